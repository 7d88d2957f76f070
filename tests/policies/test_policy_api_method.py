"""api-method-authorized."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import API_METHOD, API_METHOD_AUTHORIZED, PUBLIC_ROUTES
from tests.policies.policy_support import violations

ACCOUNT_METHOD: dict[str, Any] = {
    "restApi": "a1b2c3",
    "resourceId": "r3s0ur",
    "httpMethod": "GET",
    "authorization": "COGNITO_USER_POOLS",
    "authorizerId": "auth12",
}
PRODUCT_METHOD: dict[str, Any] = {
    "restApi": "a1b2c3",
    "resourceId": "m4il00",
    "httpMethod": "POST",
    "authorization": "NONE",
    "apiKeyRequired": True,
}
WEBHOOK_METHOD: dict[str, Any] = {
    "restApi": "a1b2c3",
    "resourceId": "wh0000",
    "httpMethod": "POST",
    "authorization": "NONE",
}
PREFLIGHT: dict[str, Any] = {
    "restApi": "a1b2c3",
    "resourceId": "m4il00",
    "httpMethod": "OPTIONS",
    "authorization": "NONE",
}


@pytest.mark.parametrize(
    ("name", "props"),
    [
        ("GET /account", ACCOUNT_METHOD),
        ("POST /v1/mail/messages", PRODUCT_METHOD),
        ("ANY /v1/{proxy+}", {**PRODUCT_METHOD, "httpMethod": "ANY"}),
        ("POST /stripe/webhook", WEBHOOK_METHOD),
        ("OPTIONS /v1/mail/messages", PREFLIGHT),
        (
            "POST /account/api-key",
            {**ACCOUNT_METHOD, "httpMethod": "POST", "apiKeyRequired": False},
        ),
    ],
)
def test_authorized_methods_the_webhook_and_preflights_pass(
    name: str, props: dict[str, Any]
) -> None:
    assert violations(API_METHOD_AUTHORIZED, API_METHOD, props, name) == []


def test_the_only_public_route_is_the_stripe_webhook() -> None:
    assert frozenset({"POST /stripe/webhook"}) == PUBLIC_ROUTES


@pytest.mark.parametrize(
    ("name", "props"),
    [
        ("POST /v1/mail/messages", {**PRODUCT_METHOD, "apiKeyRequired": False}),
        (
            "POST /v1/mail/messages",
            {k: v for k, v in PRODUCT_METHOD.items() if k != "apiKeyRequired"},
        ),
        ("GET /account", {**ACCOUNT_METHOD, "authorization": "NONE", "authorizerId": None}),
        ("GET /account", {**ACCOUNT_METHOD, "authorization": "AWS_IAM"}),
        ("GET /account", {**ACCOUNT_METHOD, "authorization": "CUSTOM"}),
        ("GET /stripe/webhook", {**WEBHOOK_METHOD, "httpMethod": "GET"}),
    ],
)
def test_open_methods_are_rejected(name: str, props: dict[str, Any]) -> None:
    [message] = violations(API_METHOD_AUTHORIZED, API_METHOD, props, name)
    assert f"'{name}'" in message
    assert "is open to anyone" in message
    assert (
        "authorization='COGNITO_USER_POOLS' with authorizer_id, or api_key_required=True" in message
    )


def test_cognito_without_authorizer_id_is_rejected() -> None:
    props = {k: v for k, v in ACCOUNT_METHOD.items() if k != "authorizerId"}
    [message] = violations(API_METHOD_AUTHORIZED, API_METHOD, props, "GET /account")
    assert "without an authorizer_id" in message


def test_a_method_misnamed_as_the_webhook_gets_no_exemption() -> None:
    props = {**WEBHOOK_METHOD, "httpMethod": "GET"}
    [message] = violations(API_METHOD_AUTHORIZED, API_METHOD, props, "POST /stripe/webhook")
    assert "named as the public route but its http_method is 'GET'" in message
