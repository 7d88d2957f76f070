"""Concurrency, ordering, replays and faults: the outcome is always the state Stripe reports."""

from __future__ import annotations

import itertools
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apisales import container
from apisales.adapters.apigw_keys import ApiGatewayKeys
from apisales.adapters.cognito_attributes import CognitoAttributes
from apisales.adapters.dynamo_users import DynamoUserStore
from tests.handlers.aws_env import AwsStack
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.faults import FailingOnce
from tests.handlers.flows import checkout_status, deliver, paid_checkout
from tests.handlers.stripe_signing import event_payload


def assert_state(aws: AwsStack, user: str, plan: str, status: str | None) -> str:
    """The user's record, key and Cognito agree on ``plan``; returns the key id."""
    item = aws.user_item(user)
    assert item["plan"]["S"] == plan
    assert item.get("subscription_status", {}).get("S") == status
    key_id = item["api_key_id"]["S"]
    assert aws.plans_of_key(key_id) == {plan}
    assert [k["id"] for k in aws.keys_of(user)] == [key_id]
    assert aws.cognito_attributes(user)["custom:plan_type"] == plan
    return key_id


def test_eight_deliveries_and_eight_status_calls_at_once_leave_one_key(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    session = paid_checkout(aws, fake_stripe, "zoe")
    payload = event_payload("checkout.session.completed", session)

    def run(i: int) -> int:
        if i % 2:
            return deliver(payload, aws.webhook_secret)[0]
        return checkout_status("zoe", session["id"])[0]

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(run, range(16)))
    assert statuses == [200] * 16
    key_id = assert_state(aws, "zoe", "PRO", "active")
    assert aws.plan_key_ids(aws.pro_plan_id) == {key_id}
    assert aws.plan_key_ids(aws.free_plan_id) == set()
    assert aws.user_item("zoe")["subscription_id"]["S"] == session["subscription"]
    events = aws.client("dynamodb").scan(TableName=aws.events_table)["Items"]
    assert len(events) == 1


LIFECYCLE = ["checkout.session.completed", "customer.subscription.created",
             "customer.subscription.updated", "customer.subscription.deleted",
             "invoice.paid", "invoice.payment_failed"]

# Where Stripe has got to when the (late) events arrive: (fields, expected plan, status)
FINAL_STATES = {
    "active": ({"status": "active"}, "PRO", "active"),
    "cancel_at_period_end": ({"status": "active", "cancel_at_period_end": True}, "PRO", "active"),
    "past_due": ({"status": "past_due"}, "FREE", "past_due"),
    "canceled": ({"status": "canceled"}, "FREE", "canceled"),
    "unpaid": ({"status": "unpaid"}, "FREE", "unpaid"),
}


def event_object(stripe: FakeStripe, event_type: str, session: dict, sub: dict) -> dict:
    """The event's data.object as Stripe sends it (possibly stale: the handler re-fetches)."""
    if event_type == "checkout.session.completed":
        return session
    if event_type.startswith("invoice."):
        return stripe.invoice(sub)  # an invoice Stripe has: the handler retrieves it
    return dict(sub, status="active")  # deliberately stale body


# "active" is the journey's happy path; these are the states where order could matter.
@pytest.mark.parametrize("final", ["cancel_at_period_end", "past_due", "canceled"])
def test_every_pair_of_events_in_both_orders_ends_in_stripes_state(
    aws: AwsStack, fake_stripe: FakeStripe, final: str
) -> None:
    fields, plan, status = FINAL_STATES[final]
    for n, (first, second) in enumerate(itertools.product(LIFECYCLE, repeat=2)):
        user = f"pair{n}-{final}"
        session = paid_checkout(aws, fake_stripe, user)
        sub = fake_stripe.update(session["subscription"], **fields)
        for event_type in (first, second):
            obj = event_object(fake_stripe, event_type, session, sub)
            code, _ = deliver(event_payload(event_type, obj), aws.webhook_secret)
            assert code == 200
        assert_state(aws, user, plan, status)
        record = aws.user_item(user)
        assert record["cancel_at_period_end"]["BOOL"] == bool(fields.get("cancel_at_period_end"))


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    history=st.lists(st.sampled_from(list(FINAL_STATES)), min_size=1, max_size=3),
    deliveries=st.lists(st.tuples(st.sampled_from(LIFECYCLE), st.integers(0, 2)),
                        min_size=1, max_size=5),
    grace=st.booleans(),
)
def test_replays_and_interleavings_follow_stripe(
    aws: AwsStack, fake_stripe: FakeStripe, history: list[str],
    deliveries: list[tuple[str, int]], grace: bool,
) -> None:
    """Stripe moves through ``history``; events (some replayed by id) arrive in any order
    between the moves; after the last move and one more delivery, our state is Stripe's."""
    os.environ["GRACE_ON_PAST_DUE"] = "true" if grace else "false"  # read per request
    try:
        _replay_scenario(aws, fake_stripe, history, deliveries, grace)
    finally:
        os.environ["GRACE_ON_PAST_DUE"] = "false"


def _replay_scenario(aws: AwsStack, fake_stripe: FakeStripe, history: list[str],
                     deliveries: list[tuple[str, int]], grace: bool) -> None:
    user = f"h-{uuid.uuid4().hex[:8]}"
    session = paid_checkout(aws, fake_stripe, user)
    sent: list[str] = []
    for i, final in enumerate(history):
        sub = fake_stripe.update(session["subscription"],
                                 **{"cancel_at_period_end": False, **FINAL_STATES[final][0]})
        for event_type, replay in deliveries[i::len(history)] or deliveries[:1]:
            payload = (sent[-1 - replay % len(sent)] if replay and sent else event_payload(
                event_type, event_object(fake_stripe, event_type, session, sub)))
            sent.append(payload)
            assert deliver(payload, aws.webhook_secret)[0] == 200
    payload = event_payload("customer.subscription.updated", sub)
    assert deliver(payload, aws.webhook_secret)[0] == 200
    fields, plan, status = FINAL_STATES[history[-1]]
    if grace and status == "past_due":
        plan = "PRO"
    assert_state(aws, user, plan, status)


def test_late_event_for_an_old_subscription_does_not_downgrade_a_resubscribed_user(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    session = paid_checkout(aws, fake_stripe, "rob")
    old = fake_stripe.update(session["subscription"], status="canceled")
    new = fake_stripe.subscription(session["customer"])
    assert deliver(event_payload("customer.subscription.created", new), aws.webhook_secret)[0] \
        == 200
    assert deliver(event_payload("customer.subscription.deleted", old), aws.webhook_secret)[0] \
        == 200
    assert_state(aws, "rob", "PRO", "active")
    assert aws.user_item("rob")["subscription_id"]["S"] == new["id"]


@pytest.mark.parametrize(("dependency", "method"), [
    ("api_keys", "put_on_plan"), ("api_keys", "create"), ("identity", "set_plan"),
    ("users", "set_api_key"), ("users", "set_key_plan"),
])
def test_dependency_failing_after_the_db_write_is_5xx_and_redelivery_completes(
    aws: AwsStack, fake_stripe: FakeStripe, dependency: str, method: str
) -> None:
    session = paid_checkout(aws, fake_stripe, "flo")
    real = {"api_keys": ApiGatewayKeys(), "identity": CognitoAttributes(aws.user_pool_id),
            "users": DynamoUserStore(aws.users_table)}[dependency]
    faulty = FailingOnce(real, method)
    container.override(**{dependency: faulty})
    payload = event_payload("checkout.session.completed", session)
    status, body = deliver(payload, aws.webhook_secret)
    assert status == 503 and body["error"]["code"] == "unavailable"
    assert faulty.failures == 1
    assert aws.client("dynamodb").scan(TableName=aws.events_table)["Items"] == []
    assert aws.user_item("flo")["plan"]["S"] == "PRO"  # the DB write came first
    status, body = deliver(payload, aws.webhook_secret)  # Stripe's retry
    assert status == 200 and body["plan"] == "PRO"
    assert_state(aws, "flo", "PRO", "active")
    assert len(aws.client("dynamodb").scan(TableName=aws.events_table)["Items"]) == 1


@pytest.mark.parametrize(("dependency", "method"), [
    ("identity", "set_plan"), ("api_keys", "put_on_plan"), ("users", "set_key_plan"),
    ("users", "record_subscription"), ("stripe", "subscriptions_of"),
])
def test_a_cancellation_with_a_dependency_down_is_finished_by_the_redelivery(
    aws: AwsStack, fake_stripe: FakeStripe, dependency: str, method: str
) -> None:
    """Each dependency of the downgrade fails once in the middle of a cancellation: 503, then
    Stripe's redelivery leaves the user on FREE with the same key, nothing doubled."""
    session = paid_checkout(aws, fake_stripe, "gil")
    deliver(event_payload("checkout.session.completed", session), aws.webhook_secret)
    key_id = assert_state(aws, "gil", "PRO", "active")
    sub = fake_stripe.update(session["subscription"], status="canceled")
    real = {"api_keys": ApiGatewayKeys(), "identity": CognitoAttributes(aws.user_pool_id),
            "users": DynamoUserStore(aws.users_table), "stripe": fake_stripe}[dependency]
    faulty = FailingOnce(real, method)
    container.override(**{dependency: faulty})
    payload = event_payload("customer.subscription.deleted", sub)
    assert deliver(payload, aws.webhook_secret)[0] == 503
    assert faulty.failures == 1
    assert deliver(payload, aws.webhook_secret)[0] == 200
    assert assert_state(aws, "gil", "FREE", "canceled") == key_id
    assert len(aws.client("dynamodb").scan(TableName=aws.events_table)["Items"]) == 2
