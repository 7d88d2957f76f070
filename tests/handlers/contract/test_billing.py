"""The Stripe port's contract (``Billing``): what checkout, the status route and the webhook
rely on, on the fake and on the real adapter through the SDK against the Stripe double."""

from __future__ import annotations

import pytest

from apisales.domain.billing_object import ObjectKind
from tests.fixtures.stripe_double import stripe_double  # noqa: F401 - fixture
from tests.handlers.contract.conftest import BillingUnderTest

SUCCESS, CANCEL = "https://app.example.test/upgrade/thanks", "https://app.example.test/c"


def test_prices_are_found_by_lookup_key_only_when_they_exist(billing: BillingUnderTest) -> None:
    assert billing.billing.price_id("FMMailPro")
    with pytest.raises(LookupError):
        billing.billing.price_id("NoSuchPlan")


def test_a_paid_checkout_is_what_stripe_reports_afterwards(billing: BillingUnderTest) -> None:
    stripe = billing.billing
    customer = stripe.create_customer("ann", "ann@example.com")
    assert stripe.subscriptions_of(customer) == []
    link = stripe.create_checkout_session(
        user_id="ann", customer_id=customer, price_id=stripe.price_id("FMMailPro"),
        success_url=SUCCESS, cancel_url=CANCEL)  # fmt: skip
    assert link.id.startswith("cs_") and link.url.startswith("http")
    session = stripe.retrieve_checkout_session(link.id)
    assert session is not None
    assert (session.kind, session.customer_id, session.user_id, session.mode, session.status) \
        == (ObjectKind.CHECKOUT_SESSION, customer, "ann", "subscription", "open")
    assert not session.is_completed_subscription_checkout

    billing.pay(link.id)
    session = stripe.retrieve_checkout_session(link.id)
    assert session is not None and session.is_completed_subscription_checkout
    assert session.payment_status == "paid" and session.subscription_id
    [sub] = stripe.subscriptions_of(customer)
    assert (sub.id, sub.customer_id, sub.status, sub.price_lookup_key, sub.cancel_at_period_end) \
        == (session.subscription_id, customer, "active", "FMMailPro", False)
    assert sub.current_period_end and sub.created
    retrieved = stripe.retrieve_subscription(sub.id)
    assert retrieved is not None and (retrieved.customer_id, retrieved.status) == \
        (customer, "active")


def test_unknown_ids_are_none_not_errors(billing: BillingUnderTest) -> None:
    stripe = billing.billing
    assert stripe.retrieve_checkout_session("cs_test_nosuch") is None
    assert stripe.retrieve_subscription("sub_nosuch") is None
    assert stripe.retrieve_invoice("in_nosuch") is None


def test_open_sessions_are_expired_so_only_a_new_one_can_be_paid(
    billing: BillingUnderTest,
) -> None:
    stripe = billing.billing
    customer = stripe.create_customer("bob", None)
    links = [stripe.create_checkout_session(
        user_id="bob", customer_id=customer, price_id=stripe.price_id("FMMailPro"),
        success_url=SUCCESS, cancel_url=CANCEL) for _ in range(2)]  # fmt: skip
    assert stripe.expire_open_checkout_sessions(customer) == 2
    assert stripe.expire_open_checkout_sessions(customer) == 0
    for link in links:
        session = stripe.retrieve_checkout_session(link.id)
        assert session is not None and session.status == "expired"


def test_a_portal_session_is_a_url(billing: BillingUnderTest) -> None:
    stripe = billing.billing
    customer = stripe.create_customer("cal", None)
    url = stripe.create_portal_session(customer, "https://app.example.test/upgrade",
                                       billing.portal_configuration)
    assert url.startswith("https://") or url.startswith("http://")
