"""Checkout, status, portal and webhook on ministack, with Stripe's state set via the fake port."""

from __future__ import annotations

import base64
import time

import pytest

from apisales.routes import billing
from tests.handlers.aws_env import PORTAL_CONFIGURATION, AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.flows import (
    checkout_status,
    deliver,
    paid_checkout,
    portal,
    send_event,
    start_checkout,
)
from tests.handlers.stripe_signing import event_payload, sign


def test_checkout_creates_one_customer_and_records_the_session(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    aws.create_user("ann")
    status, first = start_checkout("ann")
    assert status == 200 and first["url"].startswith("https://")
    session = fake_stripe.sessions[first["session_id"]]
    assert session["client_reference_id"] == "ann" and session["mode"] == "subscription"
    assert session["price"] == "price_FMMailPro"
    assert session["success_url"] == \
        "https://app.example.test/upgrade/thanks?session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == "https://app.example.test/upgrade/canceled?plan=PRO"
    _, second = start_checkout("ann")
    assert fake_stripe.calls.count("create_customer") == 1
    assert fake_stripe.sessions[second["session_id"]]["customer"] == session["customer"]
    assert aws.user_item("ann")["stripe_customer_id"]["S"] == session["customer"]


def test_checkout_status_fulfils_when_paid(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    aws.create_user("ben")
    _, started = start_checkout("ben")
    status, body = checkout_status("ben", started["session_id"])
    assert status == 200 and body["fulfilled"] is False
    assert aws.keys_of("ben") == []
    session = fake_stripe.pay(started["session_id"])
    status, body = checkout_status("ben", started["session_id"])
    assert status == 200 and body["fulfilled"] is True and body["plan"] == "PRO"
    item = aws.user_item("ben")
    assert item["plan"]["S"] == "PRO" and item["subscription_id"]["S"] == session["subscription"]
    assert aws.plans_of_key(item["api_key_id"]["S"]) == {"PRO"}
    assert aws.cognito_attributes("ben")["custom:plan_type"] == "PRO"
    assert aws.cognito_attributes("ben")["custom:stripe_customer_id"] == session["customer"]
    status, again = start_checkout("ben")
    assert status == 409 and again["error"]["code"] == "already_subscribed"


def test_someone_elses_or_unknown_session_is_404(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    session_id = paid_checkout(aws, fake_stripe, "cat")["id"]
    before = aws.snapshot()
    for user, sid in (("eve", session_id), ("cat", "cs_test_unknown"), ("cat", "x" * 300)):
        status, body = checkout_status(user, sid)
        assert status == 404 and body["error"]["code"] == "unknown_session"
    assert aws.snapshot() == before


def test_portal_uses_the_recorded_customer(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    session = paid_checkout(aws, fake_stripe, "dan")
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="dan", body={"customer": "cus_someone_else"}))
    assert status == 400 and body["error"]["field"] == "customer"  # no such input at all
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="dan", body={}))
    assert status == 200 and session["customer"] in body["url"]
    assert "cus_someone_else" not in body["url"]
    assert "return=https://app.example.test/upgrade" in body["url"]
    assert f"configuration={PORTAL_CONFIGURATION}" in body["url"]  # the stack's portal


def test_portal_opens_on_the_payment_method_flow_when_asked(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    session = paid_checkout(aws, fake_stripe, "dee")
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="dee", body={"flow": "payment_method_update"}))
    assert status == 200 and session["customer"] in body["url"]
    assert f"configuration={PORTAL_CONFIGURATION}" in body["url"]
    assert "flow=payment_method_update" in body["url"]
    assert "after=https://app.example.test/account/?billing=payment_method_updated" in body["url"]
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="dee", body={"flow": None}))
    assert status == 200 and "flow=" not in body["url"]


@pytest.mark.parametrize("flow", ["subscription_cancel", "PAYMENT_METHOD_UPDATE", "", 7, ["x"]])
def test_portal_refuses_an_unknown_flow(aws: AwsStack, fake_stripe: FakeStripe, flow) -> None:
    paid_checkout(aws, fake_stripe, "eli")
    before = aws.snapshot()
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="eli", body={"flow": flow}))
    assert status == 400 and body["error"]["field"] == "flow", body
    assert aws.snapshot() == before


def test_portal_without_customer_is_404_and_changes_nothing(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    before = aws.snapshot()
    status, body = portal("nobody")
    assert status == 404 and body["error"]["code"] == "no_customer"
    assert aws.snapshot() == before


def test_checkout_bad_plan_is_400(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    before = aws.snapshot()
    status, body = start_checkout("fay", {"plan": "FREE"})
    assert status == 400 and body["error"]["code"] == "unknown_plan"
    assert aws.snapshot() == before


def test_paid_webhook_moves_key_to_pro_and_duplicate_is_acknowledged(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    session = paid_checkout(aws, fake_stripe, "gus")
    payload = event_payload("checkout.session.completed", session)
    status, body = deliver(payload, aws.webhook_secret)
    assert status == 200 and body["plan"] == "PRO"
    key_id = aws.user_item("gus")["api_key_id"]["S"]
    assert aws.plans_of_key(key_id) == {"PRO"}
    status, body = deliver(payload, aws.webhook_secret)
    assert status == 200 and body["duplicate"] is True
    status, body = deliver(payload, aws.webhook_secret, base64_body=True)
    assert status == 200 and body["duplicate"] is True


def test_base64_encoded_body_is_verified_on_the_decoded_bytes(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    session = paid_checkout(aws, fake_stripe, "hal")
    payload = event_payload("checkout.session.completed", session)
    status, body = deliver(payload, aws.webhook_secret, base64_body=True)
    assert status == 200 and body["plan"] == "PRO"


def _bad_deliveries(aws: AwsStack, session: dict) -> list[tuple[str, int, str, dict]]:
    payload = event_payload("checkout.session.completed", session)
    secret = aws.webhook_secret
    old = int(time.time()) - 301
    return [
        ("missing signature", 400, "invalid_signature", {"payload": payload, "signature": ""}),
        ("forged signature", 400, "invalid_signature",
         {"payload": payload, "signature": sign(payload, "whsec_attacker")}),
        ("wrong secret", 400, "invalid_signature",
         {"payload": payload, "signature": sign(payload, secret + "x")}),
        ("garbage header", 400, "invalid_signature", {"payload": payload, "signature": "v1=abc"}),
        ("stale timestamp", 400, "invalid_signature",
         {"payload": payload, "signature": sign(payload, secret, old)}),
        ("tampered body", 400, "invalid_signature",
         {"payload": payload.replace("gus", "eve"), "signature": sign(payload, secret)}),
        ("non-JSON body", 400, "invalid_json",
         {"payload": "not json", "signature": sign("not json", secret)}),
        ("JSON but not an event", 400, "invalid_event",
         {"payload": "[1, 2]", "signature": sign("[1, 2]", secret)}),
        ("oversized body", 413, "payload_too_large",
         {"payload": "x" * 600_000, "signature": sign("x" * 600_000, secret)}),
    ]


@pytest.mark.parametrize("case", range(9))
def test_bad_webhook_input_is_4xx_and_changes_nothing(
    aws: AwsStack, fake_stripe: FakeStripe, case: int
) -> None:
    session = paid_checkout(aws, fake_stripe, "gus")
    name, expected, code, kw = _bad_deliveries(aws, session)[case]
    before = aws.snapshot()
    status, body = deliver(kw["payload"], aws.webhook_secret, signature=kw["signature"])
    assert (status, body["error"]["code"]) == (expected, code), name
    assert aws.snapshot() == before, name


def test_bad_base64_is_400(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    from apisales.routes import webhook

    event = api_event("POST", "/stripe/webhook", body="!!!notbase64", base64_body=False,
                      headers={"Stripe-Signature": "t=1,v1=00"})
    event["isBase64Encoded"] = True
    status, body = call(webhook.lambda_handler, event)
    assert status == 400 and body["error"]["code"] == "invalid_body"
    assert base64  # keep the import meaningful for readers: bodies arrive base64 from APIGW


def test_ignorable_events_are_200_and_change_nothing(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    before = aws.snapshot()
    status, body = send_event("charge.refunded", {"id": "ch_1", "object": "charge"},
                              aws.webhook_secret)
    assert status == 200 and body["ignored"] == "unhandled_type"
    sub = fake_stripe.subscription("cus_unknown")
    status, body = send_event("customer.subscription.updated", sub, aws.webhook_secret)
    assert status == 200 and body["ignored"] == "unknown_customer"
    assert aws.snapshot() == before


def test_completed_checkout_event_for_a_session_stripe_does_not_know_is_ignored(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    aws.create_user("ned")
    _, started = start_checkout("ned")
    session = dict(fake_stripe.sessions[started["session_id"]], id="cs_test_gone",
                   status="complete", payment_status="paid")
    status, body = send_event("checkout.session.completed", session, aws.webhook_secret)
    assert status == 200 and body["ignored"] == "not_a_completed_subscription_checkout"
    assert aws.keys_of("ned") == []


def test_user_deleted_from_cognito_still_gets_key_and_record(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    _, started = start_checkout("gone")  # never created in Cognito
    session = fake_stripe.pay(started["session_id"])
    status, body = send_event("checkout.session.completed", session, aws.webhook_secret)
    assert status == 200 and body["plan"] == "PRO"
    assert aws.plans_of_key(aws.user_item("gone")["api_key_id"]["S"]) == {"PRO"}
