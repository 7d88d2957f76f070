"""Correctly signed events that lie about whose object they carry change nothing.

Whoever holds the webhook signing secret can sign any body. The handler takes only the event
id, type and ``data.object.id`` from it; user, customer and subscription come from Stripe's
object (the fake port here) and our records. Two paying users: ``ann`` (the attacker, whose
subscription was canceled: FREE) and ``bob`` (the victim: PRO). For every handled event type,
each identity field of a genuine body is set to the other user's value in turn, in both
directions: the answer is 200 ``ignored``, a security warning is logged, and the tables, the
keys' usage plans and the Cognito attributes are exactly as before.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from apisales.adapters.dynamo_records import CheckoutSessions
from apisales.routes import billing, webhook
from tests.handlers.aws_env import AwsStack
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.flows import checkout_status, deliver, paid_checkout, start_checkout
from tests.handlers.stripe_signing import event_payload

IGNORED = {"received": True, "ignored": "identity_mismatch"}


class Records(logging.Handler):
    """The handlers' log lines, as the JSON Powertools writes (appended keys included)."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.WARNING)
        self.powertools = formatter
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.powertools.format(record)))

    def security(self, event: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line.get("security_event") == event]


@pytest.fixture
def log() -> Iterator[Records]:
    records = Records(webhook.logger.registered_formatter)
    # The routes' Powertools loggers write through the standard logger named for the service.
    loggers = {logging.getLogger(lg.service) for lg in (webhook.logger, billing.logger)}
    for logger in loggers:
        logger.addHandler(records)
    yield records
    for logger in loggers:
        logger.removeHandler(records)


@dataclass
class Payer:
    """One user's objects as Stripe has them."""

    user: str
    customer: str
    session: dict[str, Any]
    subscription: dict[str, Any]
    invoice: dict[str, Any]

    def body(self, event_type: str) -> dict[str, Any]:
        """A genuine data.object for ``event_type`` (a copy: forgeries edit it)."""
        if event_type.startswith("checkout.session."):
            return copy.deepcopy(self.session)
        if event_type.startswith("customer.subscription."):
            return copy.deepcopy(self.subscription)
        return copy.deepcopy(self.invoice)


def payer(aws: AwsStack, stripe: FakeStripe, user: str, *, canceled: bool = False) -> Payer:
    session = paid_checkout(aws, stripe, user)
    if canceled:
        stripe.update(session["subscription"], status="canceled")
    assert checkout_status(user, session["id"])[0] == 200  # fulfilled: record, key, Cognito
    sub_id = session["subscription"]
    invoice = next(i for i in stripe.invoices.values()
                   if i["parent"]["subscription_details"]["subscription"] == sub_id)
    return Payer(user, session["customer"], dict(stripe.sessions[session["id"]]),
                 dict(stripe.subscriptions[sub_id]), dict(invoice))


@pytest.fixture
def ann_and_bob(aws: AwsStack, fake_stripe: FakeStripe) -> tuple[Payer, Payer]:
    ann = payer(aws, fake_stripe, "ann", canceled=True)
    bob = payer(aws, fake_stripe, "bob")
    assert aws.user_item("ann")["plan"]["S"] == "FREE"
    assert aws.user_item("bob")["plan"]["S"] == "PRO"
    return ann, bob


def everything(aws: AwsStack, *users: str) -> dict[str, Any]:
    """The three tables, the usage plans' keys and the users' Cognito attributes."""
    return {**aws.snapshot(), "cognito": {u: aws.cognito_attributes(u) for u in users}}


def deliver_event(aws: AwsStack, event_type: str, body: dict[str, Any]) -> tuple[str, int, dict]:
    payload = event_payload(event_type, body)
    status, answer = deliver(payload, aws.webhook_secret)
    return json.loads(payload)["id"], status, answer


Forgery = Callable[[dict[str, Any], Payer], None]


def _set(*path: str) -> Callable[[Callable[[Payer], Any]], Forgery]:
    def using(value: Callable[[Payer], Any]) -> Forgery:
        def forge(body: dict[str, Any], other: Payer) -> None:
            target = body
            for name in path[:-1]:
                target = target.setdefault(name, {})
            target[path[-1]] = value(other)
        return forge
    return using


def _both_user_fields(body: dict[str, Any], other: Payer) -> None:
    body["client_reference_id"] = other.user
    body["metadata"]["user_id"] = other.user


# Every identity field of each kind of object, set to the other user's value.
FORGERIES: dict[str, dict[str, Forgery]] = {
    "checkout.session": {
        "client_reference_id": _set("client_reference_id")(lambda o: o.user),
        "metadata.user_id": _set("metadata", "user_id")(lambda o: o.user),
        "client_reference_id+metadata.user_id": _both_user_fields,
        "customer": _set("customer")(lambda o: o.customer),
        "customer (expanded)": _set("customer")(lambda o: {"id": o.customer,
                                                           "object": "customer"}),
        "subscription": _set("subscription")(lambda o: o.subscription["id"]),
        "id": _set("id")(lambda o: o.session["id"]),
    },
    "customer.subscription": {
        "customer": _set("customer")(lambda o: o.customer),
        "customer (expanded)": _set("customer")(lambda o: {"id": o.customer,
                                                           "object": "customer"}),
        "id": _set("id")(lambda o: o.subscription["id"]),
    },
    "invoice": {
        "customer": _set("customer")(lambda o: o.customer),
        "parent.subscription_details.subscription": _set(
            "parent", "subscription_details", "subscription")(lambda o: o.subscription["id"]),
        "subscription (before 2025-03-31)": _set("subscription")(lambda o: o.subscription["id"]),
        "id": _set("id")(lambda o: o.invoice["id"]),
    },
}

CASES = [(event_type, field) for event_type in sorted(webhook.HANDLED_TYPES)
         for field in FORGERIES[event_type.rsplit(".", 1)[0]]]


def test_every_handled_type_has_forgeries() -> None:
    assert {event_type for event_type, _ in CASES} == webhook.HANDLED_TYPES


@pytest.mark.parametrize(("event_type", "field"), CASES, ids=[f"{t}:{f}" for t, f in CASES])
def test_forged_identity_field_is_ignored_logged_and_changes_nothing(
    aws: AwsStack, ann_and_bob: tuple[Payer, Payer], log: Records, event_type: str, field: str,
) -> None:
    ann, bob = ann_and_bob
    forge = FORGERIES[event_type.rsplit(".", 1)[0]][field]
    before = everything(aws, "ann", "bob")
    for owner, other in ((ann, bob), (bob, ann)):
        body = owner.body(event_type)
        forge(body, other)
        event_id, status, answer = deliver_event(aws, event_type, body)
        assert (status, answer) == (200, IGNORED), (owner.user, answer)
        assert everything(aws, "ann", "bob") == before, owner.user
        [line] = [w for w in log.security("webhook_identity_mismatch")
                  if w["stripe_event_id"] == event_id]
        assert line["level"] == "WARNING" and line["stripe_event_type"] == event_type
        assert aws.webhook_secret not in json.dumps(line) and "sk_test" not in json.dumps(line)


def test_genuine_bodies_of_both_users_still_apply(
    aws: AwsStack, ann_and_bob: tuple[Payer, Payer], log: Records
) -> None:
    """The other side of the forgeries: unforged bodies of the same objects are applied."""
    ann, bob = ann_and_bob
    for event_type in sorted(webhook.HANDLED_TYPES):
        for owner, plan in ((ann, "FREE"), (bob, "PRO")):
            _, status, answer = deliver_event(aws, event_type, owner.body(event_type))
            assert (status, answer) == (200, {"received": True, "plan": plan}), event_type
    assert log.security("webhook_identity_mismatch") == []


def test_a_body_with_nothing_but_the_object_id_is_applied_from_stripe(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    aws.create_user("cy")
    _, started = start_checkout("cy")
    session = fake_stripe.pay(started["session_id"])
    _, status, answer = deliver_event(aws, "checkout.session.completed",
                                      {"id": session["id"], "object": "checkout.session"})
    assert (status, answer) == (200, {"received": True, "plan": "PRO"})
    assert aws.user_item("cy")["stripe_customer_id"]["S"] == session["customer"]


def test_event_without_a_valid_object_id_is_400_and_changes_nothing(
    aws: AwsStack, ann_and_bob: tuple[Payer, Payer]
) -> None:
    ann, _ = ann_and_bob
    before = everything(aws, "ann", "bob")
    for oid in (None, "", 42, "../v1/customers/cus_1", "x" * 300):
        body = dict(ann.session, id=oid)
        _, status, answer = deliver_event(aws, "checkout.session.completed", body)
        assert (status, answer["error"]["code"]) == (400, "invalid_event"), oid
    assert everything(aws, "ann", "bob") == before


def complete_session(stripe: FakeStripe, *, user: str, customer: str, subscription: str) -> dict:
    """A Checkout Session that Stripe itself holds (made with the secret key), paid."""
    session = stripe.create_checkout_session(
        user_id=user, customer_id=customer, price_id="price_FMMailPro",
        success_url="https://app.example.test/s", cancel_url="https://app.example.test/c")
    with stripe.lock:
        stripe.sessions[session.id].update(status="complete", payment_status="paid",
                                              subscription=subscription)
        return dict(stripe.sessions[session.id])


def test_a_session_for_a_customer_bound_to_another_user_is_refused(
    aws: AwsStack, fake_stripe: FakeStripe, ann_and_bob: tuple[Payer, Payer], log: Records
) -> None:
    """Stripe's own session names ``cal`` but carries bob's customer: cal gets nothing."""
    _, bob = ann_and_bob
    aws.create_user("cal")
    session = complete_session(fake_stripe, user="cal", customer=bob.customer,
                               subscription=bob.subscription["id"])
    before = everything(aws, "ann", "bob", "cal")
    event_id, status, answer = deliver_event(aws, "checkout.session.completed", session)
    assert (status, answer) == (200, IGNORED)
    [line] = log.security("webhook_identity_mismatch")
    assert line["stripe_event_id"] == event_id
    assert line["mismatch"] == "customer_bound_to_another_user"
    assert (line["user_id"], line["customer_id"], line["bound_user_id"]) == \
        ("cal", bob.customer, "bob")
    status, answer = checkout_status("cal", session["id"])
    assert (status, answer["error"]["code"]) == (404, "unknown_session")
    [line] = log.security("checkout_identity_mismatch")
    assert line["mismatch"] == "customer_bound_to_another_user"
    assert everything(aws, "ann", "bob", "cal") == before
    assert aws.user_item("cal") is None


def test_a_session_for_a_user_bound_to_another_customer_is_refused(
    aws: AwsStack, fake_stripe: FakeStripe, ann_and_bob: tuple[Payer, Payer], log: Records
) -> None:
    """Stripe's own session names ann with a fresh paying customer: ann stays on hers."""
    ann, _ = ann_and_bob
    other = fake_stripe.create_customer("ann", None)
    sub = fake_stripe.subscription(other)
    session = complete_session(fake_stripe, user="ann", customer=other, subscription=sub["id"])
    before = everything(aws, "ann", "bob")
    _, status, answer = deliver_event(aws, "checkout.session.completed", session)
    assert (status, answer) == (200, IGNORED)
    status, answer = checkout_status("ann", session["id"])
    assert (status, answer["error"]["code"]) == (404, "unknown_session")
    lines = log.security("webhook_identity_mismatch") + log.security("checkout_identity_mismatch")
    assert [line["mismatch"] for line in lines] == ["user_bound_to_another_customer"] * 2
    assert lines[0]["bound_customer_id"] == ann.customer
    assert everything(aws, "ann", "bob") == before
    assert aws.user_item("ann")["stripe_customer_id"]["S"] == ann.customer


def test_a_session_we_recorded_for_another_user_is_refused(
    aws: AwsStack, fake_stripe: FakeStripe, ann_and_bob: tuple[Payer, Payer], log: Records
) -> None:
    ann, _ = ann_and_bob
    sub = fake_stripe.subscription(ann.customer)
    session = complete_session(fake_stripe, user="ann", customer=ann.customer,
                               subscription=sub["id"])
    CheckoutSessions(aws.sessions_table).record_created(session["id"], "bob")
    before = everything(aws, "ann", "bob")
    _, status, answer = deliver_event(aws, "checkout.session.completed", session)
    assert (status, answer) == (200, IGNORED)
    [line] = log.security("webhook_identity_mismatch")
    assert (line["mismatch"], line["session_owner"]) == ("session_recorded_for_another_user",
                                                         "bob")
    assert everything(aws, "ann", "bob") == before


def test_an_event_for_a_customer_bound_to_two_users_is_refused(
    aws: AwsStack, ann_and_bob: tuple[Payer, Payer], log: Records
) -> None:
    _, bob = ann_and_bob
    aws.client("dynamodb").put_item(TableName=aws.users_table, Item={
        "user_id": {"S": "mallory"}, "stripe_customer_id": {"S": bob.customer}})
    before = everything(aws, "ann", "bob")
    for event_type in ("customer.subscription.updated", "invoice.paid"):
        _, status, answer = deliver_event(aws, event_type, bob.body(event_type))
        assert (status, answer) == (200, IGNORED)
    lines = log.security("webhook_identity_mismatch")
    assert [line["mismatch"] for line in lines] == ["customer_bound_to_several_users"] * 2
    assert everything(aws, "ann", "bob") == before


@pytest.mark.parametrize("disputed", ["client_reference_id", "customer"])
def test_checkout_status_refuses_a_session_whose_stripe_identity_disagrees(
    aws: AwsStack, fake_stripe: FakeStripe, ann_and_bob: tuple[Payer, Payer], log: Records,
    disputed: str,
) -> None:
    """ann's own checkout (our record says ann), but Stripe's session names bob or his
    customer: nothing is fulfilled for anyone."""
    _, bob = ann_and_bob
    status, started = start_checkout("ann")
    assert status == 200
    with fake_stripe.lock:
        session = fake_stripe.sessions[started["session_id"]]
        session.update(status="complete", payment_status="paid",
                       subscription=bob.subscription["id"])
        if disputed == "customer":
            session["customer"] = bob.customer
        else:
            session.update(client_reference_id="bob", metadata={"user_id": "bob"})
    before = everything(aws, "ann", "bob")
    status, answer = checkout_status("ann", started["session_id"])
    assert (status, answer["error"]["code"]) == (404, "unknown_session")
    assert everything(aws, "ann", "bob") == before
    if disputed == "customer":
        [line] = log.security("checkout_identity_mismatch")
        assert line["mismatch"] == "customer_bound_to_another_user"
        assert line["session_id"] == started["session_id"]
