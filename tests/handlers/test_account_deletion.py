"""``DELETE /account`` through HTTP events: AWS in ministack, Stripe the double (real SDK).

What a user (and the seller) would notice: the key stops at once, the subscription is
canceled in Stripe, the records and the Cognito user are gone, a failure half-way is
finished by a retry and never leaves a signed-out user with a working key or a live
subscription, and no webhook or old token brings a key back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from apisales import container
from apisales.routes import account, billing
from sandbox.stripe_double import StripeDouble
from tests.fixtures.stripe_double import stripe_double  # noqa: F401 - fixture
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call, claims_for
from tests.handlers.faults import FailingOnce
from tests.handlers.flows import checkout_status, deliver, start_checkout
from tests.handlers.test_journey_stripe_double import settle, wired  # noqa: F401 - fixture

Wired = tuple[AwsStack, StripeDouble, list]


def delete_account(user: str, confirm: Any = None) -> tuple[int, dict[str, Any]]:
    body = {"confirm_email": f"{user}@example.com" if confirm is None else confirm}
    return call(billing.lambda_handler, api_event("DELETE", "/account", user=user, body=body))


def issue_key(user: str) -> tuple[int, dict[str, Any]]:
    return call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))


def cognito_user_exists(aws: AwsStack, user: str) -> bool:
    cognito = aws.client("cognito-idp")
    try:
        cognito.admin_get_user(UserPoolId=aws.user_pool_id, Username=user)
        return True
    except cognito.exceptions.UserNotFoundException:
        return False


def live_subscriptions(double: StripeDouble, customer_id: str) -> list[str]:
    return [s["id"] for s in double.ctx.store.scan("subscription")
            if s["customer"] == customer_id and s["status"] not in ("canceled",
                                                                     "incomplete_expired")]


def pro_user(aws: AwsStack, double: StripeDouble, statuses: list, user: str) -> dict[str, Any]:
    """A user with a key who paid for PRO; the key, the paid session and the customer."""
    aws.create_user(user)
    # The console's first call: the account function records the language and first visit.
    status, _ = call(account.lambda_handler, api_event(
        "GET", "/account", user=user, headers={"Accept-Language": "ja"}))
    assert status == 200 and aws.user_item(user)["language"]["S"] == "ja"
    status, key = issue_key(user)
    assert status == 201
    status, checkout = start_checkout(user)
    assert status == 200
    double.pay_checkout_session(checkout["session_id"])
    settle(double, statuses)
    item = aws.user_item(user)
    assert item["plan"]["S"] == "PRO" and aws.plans_of_key(key["id"]) == {"PRO"}
    customer = item["stripe_customer_id"]["S"]
    assert live_subscriptions(double, customer)
    return {"key": key, "session_id": checkout["session_id"], "customer": customer}


def assert_fully_deleted(aws: AwsStack, double: StripeDouble, user: str, facts: dict) -> None:
    assert aws.keys_of(user) == []  # no key of the user's name exists
    assert facts["key"]["id"] not in aws.plan_key_ids(aws.free_plan_id) | aws.plan_key_ids(
        aws.pro_plan_id)
    assert live_subscriptions(double, facts["customer"]) == []
    assert not cognito_user_exists(aws, user)
    # The tombstone: the id and the times, nothing else (no customer, key, plan).
    assert set(aws.user_item(user)) == {"user_id", "deleting_at", "deleted_at"}
    assert aws.client("dynamodb").query(
        TableName=aws.users_table, IndexName="by_stripe_customer_id",
        KeyConditionExpression="stripe_customer_id = :c",
        ExpressionAttributeValues={":c": {"S": facts["customer"]}})["Items"] == []


def test_delete_account_revokes_cancels_forgets_and_is_idempotent(wired: Wired) -> None:  # noqa: F811
    aws, double, statuses = wired
    facts = pro_user(aws, double, statuses, "ana")

    status, body = delete_account("ana", confirm="someone-else@example.com")
    assert status == 400 and body["error"]["code"] == "confirmation_mismatch"
    assert aws.plans_of_key(facts["key"]["id"]) == {"PRO"}  # nothing changed
    assert cognito_user_exists(aws, "ana")

    status, body = delete_account("ana", confirm="  ANA@example.com ")
    assert status == 200 and body == {"deleted": True, "subscriptions_canceled": 1}
    settle(double, statuses)  # Stripe's customer.subscription.deleted reaches the webhook
    assert_fully_deleted(aws, double, "ana", facts)

    # Again (a retry whose first answer was lost): the same answer, nothing else happens.
    status, body = delete_account("ana")
    assert status == 200 and body["deleted"] is True
    assert_fully_deleted(aws, double, "ana", facts)

    # The ID token stays valid at the authorizer for up to an hour: it reaches nothing.
    for event in (api_event("GET", "/account", user="ana"),
                  api_event("POST", "/account/api-key", user="ana"),
                  api_event("GET", "/account/api-key", user="ana")):
        status, body = call(account.lambda_handler, event)
        assert status == 410 and body["error"]["code"] == "account_deleted"
    assert start_checkout("ana")[0] == 410
    assert aws.keys_of("ana") == []


def test_a_webhook_after_deletion_recreates_nothing_and_cancels_a_late_subscription(
    wired: Wired,  # noqa: F811
) -> None:
    aws, double, statuses = wired
    facts = pro_user(aws, double, statuses, "bo")
    assert delete_account("bo")[0] == 200
    settle(double, statuses)
    before = aws.snapshot()

    # Stripe (re)delivers the checkout's completion: the session names the user directly.
    completed = next(e for e in double.events("checkout.session.completed")
                     if e["data"]["object"]["id"] == facts["session_id"])
    status, body = deliver(json.dumps({**completed, "id": "evt_redelivered_after_delete"}),
                           aws.webhook_secret)
    assert status == 200 and body["ignored"] == "account_deleted"
    status, body = checkout_status("bo", facts["session_id"])
    assert status == 410
    assert aws.keys_of("bo") == []
    snapshot = aws.snapshot()
    events = snapshot.pop(aws.events_table)
    before.pop(aws.events_table)
    assert snapshot == before  # no key, plan or record came back
    assert any("evt_redelivered_after_delete" in e for e in events)

    # A subscription that became live after billing was closed (a payment in flight) is
    # canceled by the first event that reports it, never left charging a deleted account.
    late = double.ctx.store.scan("subscription")[0]
    late["status"] = "active"
    status, body = deliver(json.dumps({**completed, "id": "evt_late_payment"}),
                           aws.webhook_secret)
    assert status == 200 and body["ignored"] == "account_deleted"
    assert live_subscriptions(double, facts["customer"]) == []
    assert aws.keys_of("bo") == []


@pytest.mark.parametrize("failing", [
    ("stripe", "cancel_subscriptions"),  # Stripe down after the key was revoked
    ("users", "write_tombstone"),  # DynamoDB fails after Stripe was closed
    ("directory", "delete_user"),  # Cognito fails last
])
def test_a_failure_half_way_is_finished_by_a_retry(
    wired: Wired, failing: tuple[str, str],  # noqa: F811
) -> None:
    aws, double, statuses = wired
    facts = pro_user(aws, double, statuses, "cy")
    dependency, method = failing
    builders = {"stripe": container.stripe_billing, "users": container.users,
                "directory": container.directory}
    container.override(**{dependency: FailingOnce(builders[dependency](), method)})

    status, body = delete_account("cy")
    assert status == 503 and body["error"]["code"] == "unavailable"
    # Whatever failed, the key already stopped working, and no step ran out of order:
    assert aws.keys_of("cy") == []
    assert aws.plan_key_ids(aws.pro_plan_id) == set()
    assert "deleting_at" in aws.user_item("cy")
    if cognito_user_exists(aws, "cy") is False:
        pytest.fail("the Cognito user went before the key, Stripe and the records")
    if dependency == "stripe":
        assert live_subscriptions(double, facts["customer"])  # still to cancel
    else:
        assert live_subscriptions(double, facts["customer"]) == []
    settle(double, statuses)

    # While half-deleted, nothing can give the user a key or a plan again.
    status, body = issue_key("cy")
    assert status == 410 and body["error"]["code"] == "account_deleted"
    completed = next(e for e in double.events("checkout.session.completed")
                     if e["data"]["object"]["id"] == facts["session_id"])
    status, body = deliver(json.dumps({**completed, "id": f"evt_half_{method}"}),
                           aws.webhook_secret)
    assert status == 200 and body["ignored"] == "account_deleted"
    assert aws.keys_of("cy") == []

    status, body = delete_account("cy")  # the retry
    assert status == 200 and body["deleted"] is True
    settle(double, statuses)
    assert_fully_deleted(aws, double, "cy", facts)


def test_a_user_who_never_paid_or_took_a_key_is_deleted_without_stripe(wired: Wired) -> None:  # noqa: F811
    aws, double, _ = wired
    aws.create_user("di")

    class NoStripe:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"Stripe was called ({name}) for a user without a customer")

    container.override(stripe=NoStripe())
    status, body = delete_account("di")
    assert status == 200 and body == {"deleted": True, "subscriptions_canceled": 0}
    assert not cognito_user_exists(aws, "di")
    assert set(aws.user_item("di")) == {"user_id", "deleting_at", "deleted_at"}


def test_a_key_issued_while_deletion_starts_is_deleted_not_handed_out(wired: Wired) -> None:  # noqa: F811
    """The account function issues a key as deletion marks the record: the key it made is
    refused at the store and deleted, so nothing of the user's name survives."""
    aws, _, _ = wired
    aws.create_user("ed")
    users = container.users()

    class MarkBeforeStore:
        def __getattr__(self, name: str) -> Any:
            return getattr(users, name)

        def set_api_key(self, user_id: str, key_id: str, **kw: Any) -> bool:
            users.mark_deleting(user_id, 1)  # DELETE /account got in between
            return users.set_api_key(user_id, key_id, **kw)

    container.override(users=MarkBeforeStore())
    status, body = issue_key("ed")
    assert status == 410 and body["error"]["code"] == "account_deleted"
    assert aws.keys_of("ed") == []


def test_the_confirmation_is_required_and_checked(aws: AwsStack) -> None:
    aws.create_user("fay")
    cases = [
        ({}, 400, "missing_field"),
        ({"confirm_email": "fay@example.com", "user_id": "other"}, 400, None),
        ({"confirm_email": "other@example.com"}, 400, "confirmation_mismatch"),
    ]
    for body, expected, code in cases:
        status, answer = call(billing.lambda_handler,
                              api_event("DELETE", "/account", user="fay", body=body))
        assert status == expected, answer
        if code:
            assert answer["error"]["code"] == code, answer
    no_email = {**claims_for("fay"), "email": None}
    status, answer = call(billing.lambda_handler, api_event(
        "DELETE", "/account", claims=no_email, body={"confirm_email": "fay@example.com"}))
    assert status == 400 and answer["error"]["code"] == "confirmation_mismatch"
    assert cognito_user_exists(aws, "fay") and aws.user_item("fay") is None
