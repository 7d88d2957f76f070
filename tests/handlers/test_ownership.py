"""The ownership rule (domain/ownership.py) and the Stripe payload translation it is fed."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from apisales.adapters.stripe_objects import billing_object
from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.ownership import Owner, Ownership, Refusal, disagreements, judge
from apisales.domain.users import UserRecord

pytestmark = pytest.mark.fast  # pure rules: part of the fast tier

SESSION = ObjectKind.CHECKOUT_SESSION


@pytest.mark.parametrize(("records", "verdict"), [
    ({"customer_users": (), "user_customer": None}, "owner"),
    ({"customer_users": ("ann",), "user_customer": "cus_a", "session_owner": "ann"}, "owner"),
    ({"customer_users": ("bob",), "user_customer": None}, "customer_bound_to_another_user"),
    ({"customer_users": ("ann", "bob"), "user_customer": "cus_a"},
     "customer_bound_to_several_users"),
    ({"customer_users": (), "user_customer": "cus_b"}, "user_bound_to_another_customer"),
    ({"customer_users": ("ann",), "user_customer": "cus_a", "session_owner": "bob"},
     "session_recorded_for_another_user"),
])
def test_judge_gives_ann_cus_a_only_if_every_record_agrees(records: dict, verdict: str) -> None:
    result = judge("ann", "cus_a", **records)
    if verdict == "owner":
        assert result == Owner("ann", "cus_a")
    else:
        assert isinstance(result, Refusal) and result.security and result.reason == verdict
        assert result.ids["user_id"] == "ann" and result.ids["customer_id"] == "cus_a"


def test_body_fields_left_out_are_no_disagreement_but_different_ones_are() -> None:
    actual = BillingObject(SESSION, "cs_1", "cus_a", user_id="ann", subscription_id="sub_a")
    assert disagreements(BillingObject(SESSION, "cs_1", None), actual) == ()
    assert disagreements(actual, actual) == ()
    forged = BillingObject(SESSION, "cs_1", "cus_b", user_id="bob", subscription_id="sub_a")
    assert disagreements(forged, actual) == ("customer_id", "user_id")
    ambiguous = BillingObject(SESSION, "cs_1", None, ambiguous=("user_id",))
    assert disagreements(ambiguous, actual) == ("user_id",)


@dataclass
class Records:
    """Our records as the rule reads them (the ports of :class:`Ownership`)."""

    customers: dict[str, str | None] = field(default_factory=dict)  # user -> bound customer
    sessions: dict[str, str] = field(default_factory=dict)  # session -> recorded owner

    def get(self, user_id: str) -> UserRecord | None:
        if user_id not in self.customers:
            return None
        return UserRecord(user_id, stripe_customer_id=self.customers[user_id])

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        return tuple(sorted(u for u, c in self.customers.items() if c == customer_id))[:2]

    def owner_of(self, session_id: str) -> str | None:
        return self.sessions.get(session_id)


def ownership(records: Records) -> Ownership:
    return Ownership(users=records, sessions=records)


def test_a_session_belongs_to_its_client_reference_id_when_records_agree() -> None:
    records = Records({"ann": "cus_a", "bob": "cus_b"}, {"cs_1": "ann"})
    session = BillingObject(SESSION, "cs_1", "cus_a", user_id="ann")
    assert ownership(records).owner_of(session) == Owner("ann", "cus_a")
    # A user with no record yet (or none bound) takes an unbound customer.
    fresh = BillingObject(SESSION, "cs_2", "cus_new", user_id="cy")
    assert ownership(records).owner_of(fresh) == Owner("cy", "cus_new")


def test_a_session_without_client_reference_id_falls_back_to_the_customers_user() -> None:
    records = Records({"ann": "cus_a"})
    assert ownership(records).owner_of(BillingObject(SESSION, "cs_1", "cus_a")) == \
        Owner("ann", "cus_a")
    unknown = ownership(records).owner_of(BillingObject(SESSION, "cs_1", "cus_x"))
    assert unknown == Refusal("unknown_customer", False, {"customer_id": "cus_x"})


def test_subscriptions_and_invoices_belong_to_the_customers_one_user() -> None:
    records = Records({"ann": "cus_a", "bob": "cus_b", "mal": "cus_b"})
    sub = BillingObject(ObjectKind.SUBSCRIPTION, "sub_1", "cus_a", subscription_id="sub_1")
    assert ownership(records).owner_of(sub) == Owner("ann", "cus_a")
    invoice = BillingObject(ObjectKind.INVOICE, "in_1", "cus_b")
    refusal = ownership(records).owner_of(invoice)
    assert isinstance(refusal, Refusal) and refusal.reason == "customer_bound_to_several_users"
    nobody = ownership(records).owner_of(BillingObject(ObjectKind.INVOICE, "in_2", None))
    assert isinstance(nobody, Refusal) and not nobody.security


def test_a_stripe_object_stating_an_id_twice_differently_is_refused() -> None:
    records = Records({"ann": "cus_a"})
    session = BillingObject(SESSION, "cs_1", "cus_a", ambiguous=("user_id",))
    refusal = ownership(records).owner_of(session)
    assert isinstance(refusal, Refusal) and refusal.security
    assert refusal.reason == "stripe_object_ambiguous"


def test_translation_reads_ids_plain_or_expanded_and_in_both_invoice_shapes() -> None:
    session = billing_object(SESSION, {
        "id": "cs_test_1", "customer": {"id": "cus_a", "object": "customer"},
        "client_reference_id": "ann", "metadata": {"user_id": "ann"},
        "subscription": "sub_a", "mode": "subscription", "status": "complete",
        "payment_status": "paid"})
    assert session == BillingObject(SESSION, "cs_test_1", "cus_a", user_id="ann",
                                    subscription_id="sub_a", mode="subscription",
                                    status="complete", payment_status="paid")
    assert session.is_completed_subscription_checkout
    legacy = billing_object(ObjectKind.INVOICE, {"id": "in_1", "customer": "cus_a",
                                                 "subscription": "sub_a"})
    current = billing_object(ObjectKind.INVOICE, {
        "id": "in_1", "customer": "cus_a",
        "parent": {"subscription_details": {"subscription": {"id": "sub_a"}}}})
    assert legacy.subscription_id == current.subscription_id == "sub_a"
    sub = billing_object(ObjectKind.SUBSCRIPTION, {"id": "sub_a", "customer": "cus_a"})
    assert (sub.customer_id, sub.subscription_id) == ("cus_a", "sub_a")


def test_translation_names_ids_stated_twice_differently() -> None:
    session = billing_object(SESSION, {"id": "cs_test_1", "client_reference_id": "ann",
                                       "metadata": {"user_id": "bob"}})
    assert (session.user_id, session.ambiguous) == (None, ("user_id",))
    invoice = billing_object(ObjectKind.INVOICE, {
        "id": "in_1", "subscription": "sub_a",
        "parent": {"subscription_details": {"subscription": "sub_b"}}})
    assert (invoice.subscription_id, invoice.ambiguous) == (None, ("subscription_id",))


@pytest.mark.parametrize("oid", [None, "", 7, "cs", "../v1/customers/cus_1", "cs_" + "a" * 300])
def test_translation_refuses_an_object_without_a_stripe_id(oid: object) -> None:
    with pytest.raises(ValueError, match="no valid id"):
        billing_object(SESSION, {"id": oid})
