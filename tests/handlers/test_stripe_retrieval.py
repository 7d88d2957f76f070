"""The Stripe adapter retrieves sessions, subscriptions and invoices (real SDK, Stripe double),
and the user record never changes customer at the write (ministack)."""

from __future__ import annotations

import pytest

from apisales.adapters.dynamo_users import DynamoUserStore
from apisales.adapters.stripe_billing import StripeBilling
from apisales.adapters.stripe_objects import billing_object
from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.errors import CustomerConflict
from apisales.domain.ownership import disagreements
from sandbox.stripe_double import StripeDouble
from tests.fixtures.stripe_double import stripe_double  # noqa: F401 - fixture
from tests.handlers.aws_env import AwsStack


def test_retrieves_what_the_double_holds_and_none_for_unknown_ids(
    stripe_double: StripeDouble,  # noqa: F811
) -> None:
    billing = StripeBilling(stripe_double.api_key, stripe_double.url)
    customer = billing.create_customer("ann", "ann@example.com")
    created = billing.create_checkout_session(
        user_id="ann", customer_id=customer, price_id=billing.price_id("FMMailPro"),
        success_url="https://app.example.test/s", cancel_url="https://app.example.test/c")
    paid = stripe_double.pay_checkout_session(created.id)
    sub_id = paid["subscription"]
    invoice_id = stripe_double.get(sub_id)["latest_invoice"]

    assert billing.retrieve_checkout_session(created.id) == BillingObject(
        ObjectKind.CHECKOUT_SESSION, created.id, customer, user_id="ann",
        subscription_id=sub_id, mode="subscription", status="complete", payment_status="paid")
    assert billing.retrieve_subscription(sub_id) == BillingObject(
        ObjectKind.SUBSCRIPTION, sub_id, customer, subscription_id=sub_id, status="active")
    invoice = billing.retrieve_invoice(invoice_id)
    assert (invoice.kind, invoice.id, invoice.customer_id, invoice.subscription_id) == \
        (ObjectKind.INVOICE, invoice_id, customer, sub_id)
    assert billing.retrieve_checkout_session("cs_test_nosuch") is None
    assert billing.retrieve_subscription("sub_nosuch") is None
    assert billing.retrieve_invoice("in_nosuch") is None

    # The double's own event bodies agree with the objects retrieved: nothing genuine is refused.
    kinds = {"checkout.session": ObjectKind.CHECKOUT_SESSION,
             "customer.subscription": ObjectKind.SUBSCRIPTION, "invoice": ObjectKind.INVOICE}
    retrieve = {ObjectKind.CHECKOUT_SESSION: billing.retrieve_checkout_session,
                ObjectKind.SUBSCRIPTION: billing.retrieve_subscription,
                ObjectKind.INVOICE: billing.retrieve_invoice}
    events = [e for e in stripe_double.events() if e["type"].rsplit(".", 1)[0] in kinds]
    assert {e["type"] for e in events} >= {"checkout.session.completed",
                                           "customer.subscription.created", "invoice.paid"}
    for event in events:
        kind = kinds[event["type"].rsplit(".", 1)[0]]
        body = billing_object(kind, event["data"]["object"])
        assert disagreements(body, retrieve[kind](body.id)) == (), event["type"]


def test_the_record_is_never_rebound_to_another_customer(aws: AwsStack) -> None:
    users = DynamoUserStore(aws.users_table)
    assert users.bind_customer("ann", "cus_a") == "cus_a"
    users.record_subscription("ann", "cus_a", None, "FREE")
    before = aws.user_item("ann")
    with pytest.raises(CustomerConflict):
        users.record_subscription("ann", "cus_b", None, "PRO")
    assert aws.user_item("ann") == before
    users.record_subscription("bob", "cus_b", None, "FREE")  # no record yet: binds
    assert users.users_of_customer("cus_b") == ("bob",)
