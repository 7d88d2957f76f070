"""Cognito: plan attributes exist, are readable by the web client and never writable by it."""

from tests.infra.harness import DISTRIBUTION_DOMAIN, run_program

POOL = "aws:cognito/userPool:UserPool"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"


def test_pool_declares_plan_attributes_as_mutable_strings(dev_run):
    pool = dev_run.of_type(POOL)[0]
    schemas = {s["name"]: s for s in pool.inputs["schemas"]}
    assert set(schemas) == {"plan_type", "stripe_customer_id"}
    for schema in schemas.values():
        assert schema["attributeDataType"] == "String"
        assert schema["mutable"] is True


def test_pool_signs_in_with_verified_email(dev_run):
    pool = dev_run.of_type(POOL)[0]
    assert pool.inputs["usernameAttributes"] == ["email"]
    assert pool.inputs["autoVerifiedAttributes"] == ["email"]


def test_web_client_reads_but_cannot_write_custom_attributes(dev_run):
    client = dev_run.of_type(CLIENT)[0]
    assert {"custom:plan_type", "custom:stripe_customer_id"} <= set(client.inputs["readAttributes"])
    assert client.inputs["writeAttributes"], "an empty list would mean 'write everything'"
    assert not [a for a in client.inputs["writeAttributes"] if a.startswith("custom:")]


def test_web_client_uses_code_flow_with_callbacks_under_web_base_url(dev_run):
    client = dev_run.of_type(CLIENT)[0]
    assert client.inputs["allowedOauthFlows"] == ["code"]
    assert client.inputs["allowedOauthFlowsUserPoolClient"] is True
    # No webBaseUrl in the dev stack: the console's own distribution is the web base URL.
    assert client.inputs["callbackUrls"] == [f"https://{DISTRIBUTION_DOMAIN}/auth/callback"]
    assert client.inputs["logoutUrls"] == [f"https://{DISTRIBUTION_DOMAIN}/"]
    assert client.inputs["generateSecret"] is False


def test_web_client_does_not_reveal_whether_a_user_exists(dev_run):
    """Unknown user and wrong password answer alike at sign-in and password reset
    (docs/web-console.md, "Sign-up that does not reveal an address"). The API's default for
    a client it creates is LEGACY, which reveals it."""
    client = dev_run.of_type(CLIENT)[0]
    assert client.inputs["preventUserExistenceErrors"] == "ENABLED"
    assert client.inputs["explicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_hosted_ui_domain_and_outputs(dev_run):
    domain = dev_run.of_type("aws:cognito/userPoolDomain:UserPoolDomain")[0]
    assert domain.inputs["domain"].startswith("api-sales-dev-")
    assert dev_run.exports["hostedUiDomain"] == (
        f"{domain.inputs['domain']}.auth.ap-northeast-1.amazoncognito.com"
    )
    assert dev_run.exports["hostedUiUrl"] == f"https://{dev_run.exports['hostedUiDomain']}"
    for output in ("apiUrl", "userPoolId", "webClientId", "hostedUiDomain", "webhookUrl"):
        assert dev_run.exports[output], output
    assert dev_run.exports["webhookUrl"].endswith("/api/stripe/webhook")


def test_extra_attribute_is_added_to_pool_and_readable():
    run = run_program({"extraUserAttributes": ["company"]})
    pool = run.of_type(POOL)[0]
    assert "company" in {s["name"] for s in pool.inputs["schemas"]}
    client = run.of_type(CLIENT)[0]
    assert "custom:company" in client.inputs["readAttributes"]
    assert "custom:company" not in client.inputs["writeAttributes"]
