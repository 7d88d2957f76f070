"""Fuzzed requests on every route: never a 5xx, always the error shape, no record changed.

Through the handlers' real event surface (API Gateway proxy events) on ministack and the
Stripe fake. Bounded by the hypothesis profile (tests/conftest.py): ``ci`` in bin/test,
``HYPOTHESIS_PROFILE=long`` for a long local run.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apisales.routes import account, billing, webhook
from fm_mail import handler as product
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.flows import checkout_status, paid_checkout
from tests.handlers.fuzz_inputs import (
    bodies,
    content_types,
    hostile_text,
    json_values,
    mutated,
    query_strings,
    to_text,
)
from tests.handlers.stripe_signing import event_payload, sign

USER = "fuzzer"
ACCOUNT_AND_BILLING = [
    (account, "GET", "/account", {}),
    (account, "GET", "/account/api-key", {}),
    (account, "POST", "/account/api-key", {}),
    (account, "POST", "/account/api-key/rotate", {}),
    (billing, "POST", "/billing/checkout", {"plan": "PRO"}),
    (billing, "POST", "/billing/portal", {}),
]
GOOD_IMAP = {"host": "127.0.0.1", "port": 993, "username": "u", "password": "p"}
PRODUCT = [
    ("/v1/mail/mailboxes", {"imap": GOOD_IMAP}),
    ("/v1/mail/messages", {"imap": GOOD_IMAP, "mailbox": "INBOX", "limit": 5}),
    ("/v1/mail/attachment", {"imap": GOOD_IMAP, "uid": 1, "part": "2"}),
]
# The one 5xx a product call may answer: the IMAP server the caller named is unreachable
# (connections are refused below, so nothing leaves this machine).
PRODUCT_GATEWAY_ERRORS = {"imap_unreachable"}


@pytest.fixture
def subscribed(aws: AwsStack, fake_stripe: FakeStripe) -> Iterator[dict[str, Any]]:
    """A user with a paid subscription, a customer and an API key: every route has state."""
    session = paid_checkout(aws, fake_stripe, USER)
    assert checkout_status(USER, session["id"])[0] == 200
    yield session


def assert_refused_cleanly(aws: AwsStack, status: int, body: dict[str, Any],
                           before: dict[str, Any]) -> None:  # fmt: skip
    assert status < 500, body
    if status >= 400:
        assert set(body) == {"error"}, body
        assert isinstance(body["error"]["code"], str) and body["error"]["code"]
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
        assert set(body["error"]) <= {"code", "message", "field"}
        assert aws.snapshot() == before


def _event(method: str, path: str, body: Any, ctype: str, query: Any, b64: bool,
           **kw: Any) -> dict[str, Any]:  # fmt: skip
    event = api_event(method, path, body=body, headers={"Content-Type": ctype},
                      base64_body=b64 and body is not None, **kw)  # fmt: skip
    event["queryStringParameters"] = query
    return event


@given(data=st.data())
def test_account_and_billing_routes_never_answer_5xx(
    aws: AwsStack, subscribed: dict[str, Any], data: st.DataObject
) -> None:
    module, method, path, valid = data.draw(st.sampled_from(ACCOUNT_AND_BILLING))
    event = _event(method, path, data.draw(bodies(valid)), data.draw(content_types),
                   data.draw(query_strings), data.draw(st.booleans()), user=USER)  # fmt: skip
    before = aws.snapshot()
    status, body = call(module.lambda_handler, event)
    assert_refused_cleanly(aws, status, body, before)


@given(session_id=hostile_text, query=query_strings)
def test_checkout_status_path_parameter_never_answers_5xx(
    aws: AwsStack, subscribed: dict[str, Any], session_id: str, query: Any
) -> None:
    event = api_event("GET", f"/billing/checkout/{session_id}",
                      resource="/billing/checkout/{session_id}",
                      path_parameters={"session_id": session_id}, user=USER)  # fmt: skip
    event["queryStringParameters"] = query
    before = aws.snapshot()
    status, body = call(billing.lambda_handler, event)
    assert_refused_cleanly(aws, status, body, before)


@pytest.fixture
def no_outbound_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated host may resolve to a public address: refuse before any packet leaves."""

    def refuse(*_args: Any, **_kw: Any) -> None:
        raise ConnectionRefusedError("fuzzing: no outbound connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


@given(data=st.data())
def test_product_routes_never_answer_5xx_of_their_own(
    no_outbound_connections: None, data: st.DataObject
) -> None:
    path, valid = data.draw(st.sampled_from(PRODUCT))
    event = _event("POST", path, data.draw(bodies(valid)), data.draw(content_types),
                   data.draw(query_strings), data.draw(st.booleans()))  # fmt: skip
    status, body = call(product.lambda_handler, event)
    if status >= 500:
        assert status == 502 and body["error"]["code"] in PRODUCT_GATEWAY_ERRORS, body
    else:
        assert status >= 400 and set(body["error"]) <= {"code", "message", "field"}, body


def _valid_object(event_type: str, session: dict[str, Any]) -> dict[str, Any]:
    if event_type == "checkout.session.completed":
        return {k: session[k] for k in ("id", "object", "customer", "client_reference_id",
                                         "mode", "status", "payment_status")}  # fmt: skip
    if event_type.startswith("invoice."):
        return {"id": "in_fuzz1", "object": "invoice", "customer": session["customer"]}
    return {"id": session["subscription"], "object": "subscription",
            "customer": session["customer"], "status": "active"}  # fmt: skip


@given(data=st.data())
def test_signed_webhook_events_of_any_shape_never_answer_5xx(
    aws: AwsStack, subscribed: dict[str, Any], data: st.DataObject
) -> None:
    event_type = data.draw(st.sampled_from(sorted(webhook.HANDLED_TYPES)) | hostile_text)
    valid = {"id": f"evt_{uuid.uuid4().hex}", "type": event_type, "object": "event",
             "data": {"object": _valid_object(event_type, subscribed)}}  # fmt: skip
    document = data.draw(st.one_of(mutated(valid), json_values, st.just(valid)))
    payload = to_text(document)
    before = aws.snapshot()
    status, body = call(webhook.lambda_handler, api_event(
        "POST", "/stripe/webhook", body=payload,
        headers={"Stripe-Signature": sign(payload, aws.webhook_secret)}))  # fmt: skip
    assert_refused_cleanly(aws, status, body, before)


def test_a_valid_signed_event_still_syncs(aws: AwsStack, subscribed: dict[str, Any]) -> None:
    """The fuzzers' 'valid' seeds are really valid: the checks above are not all refusals."""
    payload = event_payload("customer.subscription.updated",
                            _valid_object("customer.subscription.updated", subscribed))
    status, body = call(webhook.lambda_handler, api_event(
        "POST", "/stripe/webhook", body=payload,
        headers={"Stripe-Signature": sign(payload, aws.webhook_secret)}))  # fmt: skip
    assert status == 200 and body["plan"] == "PRO", body
