"""Steps the handler tests repeat: call a billing route, deliver a signed webhook."""

from __future__ import annotations

import json
from typing import Any

from apisales.routes import billing, webhook
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.stripe_signing import event_payload, sign


def start_checkout(user: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    return call(billing.lambda_handler,
                api_event("POST", "/billing/checkout", user=user, body=body or {}))


def paid_checkout(aws: AwsStack, stripe: FakeStripe, user: str) -> dict[str, Any]:
    """A Cognito user who started a checkout and paid it (the fake port); the paid session."""
    aws.create_user(user)
    status, body = start_checkout(user)
    assert status == 200, body
    return stripe.pay(body["session_id"])


def checkout_status(user: str, session_id: str) -> tuple[int, dict[str, Any]]:
    return call(billing.lambda_handler, api_event(
        "GET", f"/billing/checkout/{session_id}", resource="/billing/checkout/{session_id}",
        path_parameters={"session_id": session_id}, user=user))


def portal(user: str) -> tuple[int, dict[str, Any]]:
    return call(billing.lambda_handler, api_event("POST", "/billing/portal", user=user))


def deliver(payload: str, secret: str, *, signature: str | None = None,
            base64_body: bool = False, timestamp: int | None = None) -> tuple[int, dict]:
    headers = {"Stripe-Signature": signature if signature is not None
               else sign(payload, secret, timestamp)}
    if signature == "":
        headers = {}
    return call(webhook.lambda_handler, api_event(
        "POST", "/stripe/webhook", body=payload, headers=headers, base64_body=base64_body))


def send_event(event_type: str, obj: dict[str, Any], secret: str,
               event_id: str | None = None) -> tuple[int, dict]:
    return deliver(event_payload(event_type, obj, event_id), secret)


def event_id_of(payload: str) -> str:
    return json.loads(payload)["id"]
