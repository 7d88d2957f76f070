"""The deployed API Gateway enforces what the stack declares (through real HTTP calls)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.sandbox.api_client import call
from tests.sandbox.conftest import FREE_QUOTA, WEB_BASE_URL, Sandbox
from tests.sandbox.users import make_test_client, signed_in_user

pytestmark = pytest.mark.slow
PRODUCT_ROUTE = "/v1/mail/mailboxes"


@pytest.fixture(scope="module")
def id_token(sandbox: Sandbox) -> str:
    cognito = sandbox.client("cognito-idp")
    client_id = make_test_client(cognito, sandbox.stack.user_pool_id)
    return signed_in_user(cognito, sandbox.stack.user_pool_id, client_id)


def _error_code(response) -> str:
    return response.json()["error"]["code"]


def test_product_route_without_key_is_403(sandbox: Sandbox) -> None:
    response = call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {})
    assert response.status == 403
    error = response.json()["error"]  # the stack's gateway response, in the handlers' shape
    assert error["code"] == "invalid_api_key" and "x-api-key" in error["message"]


def test_product_route_with_unknown_key_is_403(sandbox: Sandbox) -> None:
    response = call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {},
                    headers={"x-api-key": "not-a-key-of-this-api"})  # fmt: skip
    assert response.status == 403
    assert _error_code(response) == "invalid_api_key"


def test_account_route_without_token_is_401(sandbox: Sandbox) -> None:
    response = call("GET", sandbox.stack.api_url + "/account")
    assert response.status == 401
    assert _error_code(response) == "unauthorized"


def test_account_route_with_garbage_token_is_401(sandbox: Sandbox) -> None:
    response = call("GET", sandbox.stack.api_url + "/account",
                    headers={"Authorization": "Bearer not.a.jwt"})  # fmt: skip
    assert response.status == 401


def test_unknown_route_is_a_json_404(sandbox: Sandbox) -> None:
    for method, path in (("GET", "/no/such/route"), ("PUT", "/account")):
        response = call(method, sandbox.stack.api_url + path)
        assert response.status == 404, (method, path)
        assert _error_code(response) == "not_found"
        assert "Missing Authentication Token" not in response.body.decode()


def test_forged_webhook_is_400(sandbox: Sandbox) -> None:
    body = b'{"id": "evt_forged", "type": "checkout.session.completed", "data": {"object": {}}}'
    response = call("POST", sandbox.stack.webhook_url, raw=body,
                    headers={"Stripe-Signature": "t=1700000000,v1=" + "0" * 64})  # fmt: skip
    assert response.status == 400


def test_webhook_without_signature_is_400(sandbox: Sandbox) -> None:
    response = call("POST", sandbox.stack.webhook_url, {"id": "evt_unsigned"})
    assert response.status == 400


def test_cors_preflight_answers_with_the_console_origin(sandbox: Sandbox) -> None:
    response = call("OPTIONS", sandbox.stack.api_url + "/account/api-key")
    assert response.status == 200
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers.get("access-control-allow-origin") == WEB_BASE_URL


def test_free_key_is_metered_and_429_over_quota(sandbox: Sandbox) -> None:
    """A key on the FREE usage plan passes FREE_QUOTA calls, then gets 429 (gateway only)."""
    apigateway = sandbox.client("apigateway")
    key = apigateway.create_api_key(name="quota-test", enabled=True)
    apigateway.create_usage_plan_key(
        usagePlanId=sandbox.stack.usage_plan_ids["FREE"], keyId=key["id"], keyType="API_KEY"
    )
    statuses = [
        call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {},
             headers={"x-api-key": key["value"]}).status  # fmt: skip
        for _ in range(FREE_QUOTA + 1)
    ]
    # Within quota the request reaches the product function (which rejects the empty body).
    assert all(status not in (403, 429) for status in statuses[:FREE_QUOTA]), statuses
    assert statuses[FREE_QUOTA] == 429
    over = call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {},
                headers={"x-api-key": key["value"]})  # fmt: skip
    error = over.json()["error"]
    assert over.status == 429 and error["code"] == "quota_exceeded"  # not "throttled"
    assert error["upgrade_url"] == f"{WEB_BASE_URL}/upgrade"


def test_a_body_the_model_refuses_is_a_json_400_from_the_gateway(sandbox: Sandbox) -> None:
    apigateway = sandbox.client("apigateway")
    key = apigateway.create_api_key(name="body-test", enabled=True)
    apigateway.create_usage_plan_key(
        usagePlanId=sandbox.stack.usage_plan_ids["FREE"], keyId=key["id"], keyType="API_KEY"
    )
    response = call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {"unexpected": 1},
                    headers={"x-api-key": key["value"]})  # fmt: skip
    assert response.status == 400, response.body
    error = response.json()["error"]  # BAD_REQUEST_BODY's gateway response, valid JSON
    assert error["code"] == "bad_request"
    # On AWS the validator's detail follows the colon. ministack renders no
    # $context.error.validationErrorString (docs/input-boundary.md): the name stays.
    assert error["message"] == "Invalid request body: $context.error.validationErrorString"


def test_usage_is_503_usage_unavailable_in_the_sandbox(sandbox: Sandbox, id_token: str) -> None:
    """ministack has no GetUsage: the route says so instead of reporting a number."""
    auth = {"Authorization": f"Bearer {id_token}"}
    call("POST", sandbox.stack.api_url + "/account/api-key", {}, headers=auth)
    response = call("GET", sandbox.stack.api_url + "/account/usage", headers=auth)
    assert response.status == 503, response.body
    assert _error_code(response) == "usage_unavailable"


def test_signed_in_user_reads_account(sandbox: Sandbox, id_token: str) -> None:
    response = call("GET", sandbox.stack.api_url + "/account",
                    headers={"Authorization": f"Bearer {id_token}"})  # fmt: skip
    assert response.status == 200, response.body
    assert response.json()["plan"] == "FREE"


def test_key_issued_by_the_account_route_works_on_the_product(
    sandbox: Sandbox, id_token: str
) -> None:
    """The account function (IAM, env, PLAN_CATALOG with real usage-plan ids) issues a FREE
    key that the gateway accepts on the product route."""
    issued = call("POST", sandbox.stack.api_url + "/account/api-key", {},
                  headers={"Authorization": f"Bearer {id_token}"})  # fmt: skip
    assert issued.status in (200, 201), issued.body
    assert issued.json()["plan"] == "FREE"
    response = call("POST", sandbox.stack.api_url + PRODUCT_ROUTE, {},
                    headers={"x-api-key": issued.json()["value"]})  # fmt: skip
    assert response.status not in (403, 429), response.body


def test_hosted_ui_sign_in_page_is_served_for_the_web_client(sandbox: Sandbox) -> None:
    stack = sandbox.stack
    query = urlencode({
        "client_id": stack.web_client_id, "response_type": "code", "scope": "openid email",
        "redirect_uri": f"{WEB_BASE_URL}/auth/callback",
    })  # fmt: skip
    response = call("GET", f"{stack.hosted_ui_url}/oauth2/authorize?{query}")
    assert response.status == 200, response.body[:300]
    assert b"<form" in response.body.lower()


def test_functions_run_under_their_own_least_privilege_role(
    sandbox: Sandbox, id_token: str
) -> None:
    """ministack enforces IAM here: the account function works because of its inline
    policy, and fails without it (the policy is put back afterwards)."""
    iam = sandbox.client("iam")
    role_arn = sandbox.client("lambda").get_function_configuration(
        FunctionName=sandbox.stack.function_names["account"]
    )["Role"]
    role = role_arn.rsplit("/", 1)[-1]
    policies = {
        name: iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
    }
    assert policies, f"{role} has no inline policy"
    headers = {"Authorization": f"Bearer {id_token}"}
    try:
        for name in policies:
            iam.delete_role_policy(RoleName=role, PolicyName=name)
        denied = call("GET", sandbox.stack.api_url + "/account", headers=headers)
        assert denied.status >= 500, denied.body
    finally:
        for name, document in policies.items():
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=_text(document))
    assert call("GET", sandbox.stack.api_url + "/account", headers=headers).status == 200


def _text(document) -> str:
    return document if isinstance(document, str) else json.dumps(document)
