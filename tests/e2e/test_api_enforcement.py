"""The deployed API enforces what the stack declares, and the console's server serves the
right pages and proxies only what it should (no browser)."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3

from sandbox.__main__ import main
from sandbox.run import Sandbox

from .conftest import FREE_QUOTA


def call(url: str, method: str = "GET", body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def test_product_route_without_key_is_403(sandbox: Sandbox) -> None:
    status, body = call(sandbox.stack.api_url + "/v1/mail/messages", "POST", {})
    assert status == 403
    assert body["error"]["code"]


def test_free_key_over_quota_is_429(sandbox: Sandbox) -> None:
    stack = sandbox.stack
    gateway = boto3.client("apigateway", endpoint_url=stack.endpoint_url,
                           region_name=stack.region, aws_access_key_id="test",
                           aws_secret_access_key="test")  # fmt: skip
    key = gateway.create_api_key(name="e2e-quota", enabled=True)
    gateway.create_usage_plan_key(usagePlanId=stack.usage_plan_ids["FREE"], keyId=key["id"],
                                  keyType="API_KEY")  # fmt: skip
    url, headers = stack.api_url + "/v1/mail/messages", {"x-api-key": key["value"]}
    # An empty body is refused by the function (400) but still counts against the quota.
    statuses = [call(url, "POST", {}, headers)[0] for _ in range(FREE_QUOTA)]
    assert statuses == [400] * FREE_QUOTA
    status, body = call(url, "POST", {}, headers)
    assert status == 429
    assert body["error"]["code"]


def test_account_route_without_token_is_401(sandbox: Sandbox) -> None:
    for path in ("/account", "/account/api-key"):
        status, body = call(sandbox.stack.api_url + path)
        assert status == 401, path
        assert body["error"]["code"]


def test_forged_webhook_is_400(sandbox: Sandbox) -> None:
    event = {"id": "evt_forged", "type": "checkout.session.completed", "data": {"object": {}}}
    forged = {"Stripe-Signature": f"t={int(time.time())},v1={'0' * 64}",
              "Content-Type": "application/json"}  # fmt: skip
    status, body = call(sandbox.stack.webhook_url, "POST", event, forged)
    assert status == 400
    assert body["error"]["code"] == "invalid_signature"


def test_console_pages_config_and_proxies(sandbox: Sandbox) -> None:
    web = sandbox.web_url
    # Pages carry message keys, not words (web/assets/i18n/*.json).
    pages = [("/", 'data-i18n="site.brand"'), ("/signin", 'data-i18n="signin.signUp"'),
             ("/account/", 'data-i18n="try.title"'), ("/upgrade", 'id="plans"'),
             ("/upgrade/thanks?session_id=cs_x", 'data-i18n="thanks.title"'),
             ("/upgrade/canceled", 'data-i18n="canceled.title"'),
             ("/auth/callback?code=x&state=y", 'data-i18n="callback.title"')]  # fmt: skip
    for path, marker in pages:
        status, body = call(web + path)
        assert status == 200 and marker in body, path
    for catalogue in ("languages", "en", "ja"):
        status, messages = call(f"{web}/assets/i18n/{catalogue}.json")
        assert status == 200 and isinstance(messages, dict), catalogue
    status, body = call(web + "/no/such/page")
    assert status == 404 and 'data-i18n="notFound.title"' in body  # the site's 404 page
    assert call(web + "/../pyproject.toml")[0] == 404
    status, config = call(web + "/config.json")
    assert status == 200
    assert config["userPoolId"] == sandbox.stack.user_pool_id
    assert config["webClientId"] == sandbox.stack.web_client_id
    assert config["apiUrl"] == "/api"
    assert config["hostedUiUrl"] == sandbox.stack.hosted_ui_url
    assert config["webBaseUrl"] == web  # the one origin pages move to
    assert [p["name"] for p in config["plans"]] == ["FREE", "PRO"]
    if sandbox.mailbox:
        assert config["demoMailbox"]["port"] == sandbox.mailbox.port
    # The API answers same-origin through the proxy, with the stack's error shape.
    status, body = call(web + "/api/account")
    assert status == 401 and body["error"]["code"]
    # Cognito's admin actions are never reachable through the console's server.
    admin = {"X-Amz-Target": "AWSCognitoIdentityProviderService.AdminCreateUser",
             "Content-Type": "application/x-amz-json-1.1"}  # fmt: skip
    assert call(web + "/cognito/", "POST", {}, admin)[0] == 403


def test_demo_user_exists_and_is_confirmed(sandbox: Sandbox) -> None:
    stack = sandbox.stack
    cognito = boto3.client("cognito-idp", endpoint_url=stack.endpoint_url,
                           region_name=stack.region, aws_access_key_id="test",
                           aws_secret_access_key="test")  # fmt: skip
    user = cognito.admin_get_user(UserPoolId=stack.user_pool_id, Username=sandbox.demo_user.email)
    assert user["UserStatus"] == "CONFIRMED"
    lines = "\n".join(sandbox.summary_lines())
    assert sandbox.web_url in lines and sandbox.demo_user.password in lines
    assert "resources" in lines


def test_port_in_use_is_one_line_and_exit_2(capsys, tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["--port-web", str(port), "--port-ministack", "0", "--port-stripe", "0",
                     "--workdir", str(tmp_path)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and f"port {port}" in err and "in use" in err


def test_console_server_answers_a_broken_content_length_with_json_4xx(sandbox: Sandbox) -> None:
    parts = urlsplit(sandbox.web_url)
    for length, status in (("abc", 400), (str(10 * 1024 * 1024), 413)):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.putrequest("POST", "/api/account")
            connection.putheader("Content-Length", length)
            connection.endheaders()
            response = connection.getresponse()
            assert response.status == status
            assert json.loads(response.read())["error"]["code"]
        finally:
            connection.close()
