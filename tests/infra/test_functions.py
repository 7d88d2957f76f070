"""Lambda functions: supported runtime, one role each, least privilege, no secrets in env."""

import json

import pytest

from tests.infra.harness import (
    DISTRIBUTION_DOMAIN,
    MOCK_WEBHOOK_SECRET,
    TEST_SECRETS,
    is_secret,
    run_program,
)

FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _functions(run):
    return {f.name.removeprefix("functions-"): f.inputs for f in run.of_type(FUNCTION)}


def _statements(run, concern: str) -> dict[str, dict]:
    policy = run.named(ROLE_POLICY, f"functions-{concern}").inputs["policy"]
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def test_one_function_per_concern_on_python312_arm64(dev_run):
    functions = _functions(dev_run)
    assert set(functions) == {"account", "billing", "webhook", "product", "sweep"}
    for concern, fn in functions.items():
        assert fn["runtime"] == "python3.12"
        assert fn["architectures"] == ["arm64"]
        expected = "fm_mail.handler" if concern == "product" else f"apisales.routes.{concern}"
        assert fn["handler"] == f"{expected}.lambda_handler"
        assert fn["tracingConfig"] == {"mode": "Active"}
        assert fn["loggingConfig"]["logFormat"] == "JSON"


def test_each_function_has_its_own_role(dev_run):
    roles = [f["role"] for f in _functions(dev_run).values()]
    assert len(set(roles)) == len(roles)


def _plain(value):
    """Every string in ``value`` that is not inside a Pulumi secret."""
    if is_secret(value):
        return
    if isinstance(value, dict):
        for item in value.values():
            yield from _plain(item)
    elif isinstance(value, list):
        for item in value:
            yield from _plain(item)
    elif isinstance(value, str):
        yield value


def test_no_secret_value_reaches_any_input_unless_as_a_pulumi_secret(dev_run):
    plain = " ".join(text for r in dev_run for text in _plain(r.inputs))
    for value in (*TEST_SECRETS.values(), MOCK_WEBHOOK_SECRET):
        assert value not in plain
    env = _functions(dev_run)["webhook"]["environment"]["variables"]
    assert env["STRIPE_API_KEY_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert env["STRIPE_WEBHOOK_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_secrets_hold_the_config_secret_values(dev_run):
    versions = dev_run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert all(is_secret(v.inputs["secretString"]) for v in versions)
    values = {v.inputs["secretString"]["value"] for v in versions}
    # The signing secret is the one the webhook endpoint returned, not a config value.
    assert values == {TEST_SECRETS["stripeSecretKey"], MOCK_WEBHOOK_SECRET}
    names = {s.inputs["name"] for s in dev_run.of_type("aws:secretsmanager/secret:Secret")}
    assert names == {"api-sales/dev/stripe-api-key", "api-sales/dev/stripe-webhook-secret"}


def test_environment_follows_the_contract(dev_run):
    functions = _functions(dev_run)
    webhook = functions["webhook"]["environment"]["variables"]
    assert webhook["USERS_TABLE"] == "data-users-id"
    assert webhook["STRIPE_EVENTS_TABLE"] == "data-stripe-events-id"
    assert webhook["GRACE_ON_PAST_DUE"] == "true"
    catalog = json.loads(webhook["PLAN_CATALOG"])
    assert catalog["default_plan"] == "FREE"
    assert [(p["name"], p["price_lookup_key"]) for p in catalog["plans"]] == [
        ("FREE", None), ("PRO", "FMMailPro"),
    ]  # fmt: skip
    billing = functions["billing"]["environment"]["variables"]
    # No webBaseUrl in the dev stack: Checkout returns to the console's own distribution.
    assert billing["WEB_BASE_URL"] == f"https://{DISTRIBUTION_DOMAIN}"
    assert "STRIPE_WEBHOOK_SECRET_ARN" not in billing, "billing never verifies webhooks"
    account = functions["account"]["environment"]["variables"]
    assert "STRIPE_API_KEY_SECRET_ARN" not in account
    product = functions["product"]["environment"]["variables"]
    assert product["ALLOW_LOOPBACK_IMAP"] == "false"
    assert "USERS_TABLE" not in product


def test_no_statement_allows_wildcard_actions_or_resources_beyond_xray(dev_run):
    for concern in ("account", "billing", "webhook", "product"):
        for sid, statement in _statements(dev_run, concern).items():
            actions = statement["Action"]
            assert all("*" not in a for a in actions), (concern, sid)
            if sid != "XRayTraces":
                assert "*" not in statement["Resource"], (concern, sid)


def test_roles_grant_only_what_each_function_uses(dev_run):
    product = _statements(dev_run, "product")
    assert set(product) == {"Logs", "XRayTraces"}

    account = _statements(dev_run, "account")
    assert set(account) == {"Logs", "XRayTraces", "Tables", "ApiKeys", "UsageOfPlans"}
    assert account["Tables"]["Resource"] == [
        "arn:aws:dynamodb:ap-northeast-1:123456789012:table/data-users-id"
    ]
    assert account["Tables"]["Action"] == [
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
    ]  # fmt: skip
    assert account["ApiKeys"]["Action"] == [
        "apigateway:DELETE",
        "apigateway:GET",
        "apigateway:POST",
    ]

    # GetUsage of this stack's plans, read-only, and nothing else under /usageplans.
    assert account["UsageOfPlans"]["Action"] == ["apigateway:GET"]
    assert sorted(account["UsageOfPlans"]["Resource"]) == [
        "arn:aws:apigateway:ap-northeast-1::/usageplans/api-plan-free-id/usage",
        "arn:aws:apigateway:ap-northeast-1::/usageplans/api-plan-pro-id/usage",
    ]
    for concern in ("billing", "webhook", "product"):
        assert "UsageOfPlans" not in _statements(dev_run, concern), concern

    webhook = _statements(dev_run, "webhook")
    users_index = "table/data-users-id/index/by_stripe_customer_id"
    assert [r for r in webhook["Tables"]["Resource"] if r.endswith(users_index)]
    assert len(webhook["StripeSecrets"]["Resource"]) == 2
    assert (
        "arn:aws:apigateway:ap-northeast-1::/usageplans/api-plan-pro-id/keys/*"
        in (webhook["ApiKeys"]["Resource"])
    )
    billing = _statements(dev_run, "billing")
    # The status route's ownership check asks the users GSI who holds the customer.
    assert [r for r in billing["Tables"]["Resource"] if r.endswith(users_index)]
    assert len(billing["StripeSecrets"]["Resource"]) == 1
    assert billing["PlanAttributes"]["Action"] == ["cognito-idp:AdminUpdateUserAttributes"]
    assert billing["PlanAttributes"]["Resource"] == [
        "arn:aws:cognito-idp:ap-northeast-1:123456789012:userpool/identity-users-id"
    ]
    # DELETE /account: only the billing function may delete users, and only in this pool.
    assert billing["DeleteUsers"]["Action"] == ["cognito-idp:AdminDeleteUser"]
    assert billing["DeleteUsers"]["Resource"] == billing["PlanAttributes"]["Resource"]
    assert "DeleteUsers" not in webhook and "DeleteUsers" not in account


def test_functions_are_invocable_only_by_this_api(dev_run):
    permissions = dev_run.of_type("aws:lambda/permission:Permission")
    assert len(permissions) == 4
    for permission in permissions:
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["sourceArn"] == (
            "arn:aws:execute-api:ap-northeast-1:123456789012:api-id/*/*"
        )


@pytest.mark.parametrize("value", ["true", "false"])
def test_grace_on_past_due_reaches_the_handlers(value):
    run = run_program({"graceOnPastDue": value})
    assert _functions(run)["webhook"]["environment"]["variables"]["GRACE_ON_PAST_DUE"] == value


def test_every_function_emits_metrics_as_the_alarms_and_dashboard_read_them(dev_run):
    """The namespace and ``service`` dimension the functions write are the ones the
    dashboard and alarms query (MonitoringArgs.metrics_service is the stack's name)."""
    dashboard = dev_run.of_type("aws:cloudwatch/dashboard:Dashboard")[0].inputs
    body = dashboard["dashboardBody"]
    for concern, fn in _functions(dev_run).items():
        env = fn["environment"]["variables"]
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ApiSales", concern
        assert env["METRICS_SERVICE"] == "api-sales-dev", concern
        # A response may carry an API key's value: it must never be copied into a trace.
        assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false", concern
        assert "POWERTOOLS_TRACE_DISABLED" not in env, concern
    assert '"ApiSales"' in body and '"api-sales-dev"' in body


def test_every_role_may_write_traces(dev_run):
    for concern in _functions(dev_run):
        xray = _statements(dev_run, concern)["XRayTraces"]
        assert set(xray["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
