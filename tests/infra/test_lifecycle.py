"""Traps that bite on the second deploy, on destroy, or in another account: each asserted on
the inputs and resource options the engine would receive (docs/lifecycle.md says why)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pulumi
import pytest
import yaml

from infra import functions as infra_functions
from infra.api import GATEWAY_RESPONSES, GatewayError
from infra.functions import API_GATEWAY_INTEGRATION_TIMEOUT_S, function_name
from infra.identity import default_domain_prefix
from infra.routes import plugin_routes
from tests.infra.harness import PROJECT_ROOT, is_secret, reveal, run_program

DOMAIN = "aws:cognito/userPoolDomain:UserPoolDomain"
POOL = "aws:cognito/userPool:UserPool"
ACCOUNT = "aws:apigateway/account:Account"
STAGE = "aws:apigateway/stage:Stage"
SETTINGS = "aws:apigateway/methodSettings:MethodSettings"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"
INTEGRATION = "aws:apigateway/integration:Integration"
FUNCTION = "aws:lambda/function:Function"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
UPSTREAM = {"upstreamUrl": "https://api.seller.example"}
# Cognito: 1-63 characters, lower-case letters, digits and inner hyphens, and never the
# reserved words (docs/lifecycle.md).
_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _redeployment(run) -> str:
    return reveal(run.of_type(DEPLOYMENT)[0].inputs["triggers"])["redeployment"]


# --- the hosted-UI domain -----------------------------------------------------------------


def test_hosted_ui_domain_is_replaced_delete_before_replace(dev_run):
    domain = dev_run.of_type(DOMAIN)[0]
    assert domain.delete_before_replace, "a prefix cannot exist twice, even for a moment"


def test_domain_prefix_survives_a_move_to_another_organisation(dev_run):
    moved = run_program(organization="another-org")
    prefix = dev_run.of_type(DOMAIN)[0].inputs["domain"]
    assert moved.of_type(DOMAIN)[0].inputs["domain"] == prefix
    assert _PREFIX.match(prefix) and prefix.startswith("api-sales-dev-")


@pytest.mark.parametrize(
    "stack",
    ["aws-amazon-cognito-prod", "x" * 100, "Prod_EU.1", "cognito"],
)
def test_domain_prefix_is_valid_for_any_stack_name(monkeypatch, stack):
    monkeypatch.setattr(pulumi, "get_stack", lambda: stack)
    prefix = default_domain_prefix("123456789012", "eu-west-1")
    assert _PREFIX.match(prefix), prefix
    assert not [word for word in ("aws", "amazon", "cognito") if word in prefix], prefix


def test_domain_prefix_differs_between_accounts_and_regions(monkeypatch):
    monkeypatch.setattr(pulumi, "get_stack", lambda: "prod")
    prefixes = {
        default_domain_prefix(account, region)
        for account in ("111111111111", "222222222222")
        for region in ("us-east-1", "eu-west-1")
    }
    assert len(prefixes) == 4, "a prefix is global in its region: two sellers' stacks collide"


# --- the account-wide API Gateway CloudWatch role -----------------------------------------


def test_no_stack_owns_the_account_logging_role_by_default(dev_run):
    assert not dev_run.of_type(ACCOUNT)
    # ...and so no stage asks for logs API Gateway would refuse to write.
    stage = dev_run.of_type(STAGE)[0].inputs
    assert not stage.get("accessLogSettings")
    assert dev_run.of_type(SETTINGS)[0].inputs["settings"]["loggingLevel"] == "OFF"
    assert not [g for g in dev_run.of_type(LOG_GROUP) if "/aws/apigateway/" in g.inputs["name"]]


def test_a_stack_that_manages_the_role_keeps_it_on_destroy():
    run = run_program({"manageApiGatewayAccount": "true"})
    account = run.of_type(ACCOUNT)[0]
    assert account.retain_on_delete
    assert run.named("aws:iam/role:Role", "api-cloudwatch").retain_on_delete
    assert run.named("aws:iam/rolePolicy:RolePolicy", "api-cloudwatch").retain_on_delete
    stage = run.of_type(STAGE)[0]
    assert "api-account" in stage.depends_on, "the role must be set before the stage logs"
    assert stage.inputs["accessLogSettings"]["destinationArn"].endswith(
        "/aws/apigateway/api-sales-dev"
    )
    assert "$context.identity.apiKeyId" in stage.inputs["accessLogSettings"]["format"]
    assert run.of_type(SETTINGS)[0].inputs["settings"]["loggingLevel"] == "ERROR"


def test_access_logs_without_owning_the_role_when_the_account_already_has_it():
    run = run_program({"accessLogs": "true"})
    assert not run.of_type(ACCOUNT)
    assert run.of_type(STAGE)[0].inputs["accessLogSettings"]["destinationArn"]


# --- secrets of a throwaway stack -----------------------------------------------------------


def _recovery_windows(run) -> set[int]:
    return {s.inputs["recoveryWindowInDays"] for s in run.of_type(SECRET)}


def test_protected_stack_secrets_keep_a_recovery_window(dev_run):
    assert _recovery_windows(dev_run) == {7}


def test_throwaway_stack_secrets_are_deleted_at_once():
    assert _recovery_windows(run_program({"protectStatefulResources": "false"})) == {0}
    assert _recovery_windows(run_program({"secretRecoveryWindowDays": "0"})) == {0}
    assert _recovery_windows(run_program({"secretRecoveryWindowDays": "30"})) == {30}


# --- the user pool ------------------------------------------------------------------------


def test_verification_before_update_uses_the_schema_spelling(dev_run):
    pool = dev_run.of_type(POOL)[0].inputs
    assert pool["userAttributeUpdateSettings"] == {
        "attributesRequireVerificationBeforeUpdates": ["email"]
    }


def test_user_pool_tier_is_explicit(dev_run):
    assert dev_run.of_type(POOL)[0].inputs["userPoolTier"] == "ESSENTIALS"
    assert run_program({"userPoolTier": "LITE"}).of_type(POOL)[0].inputs["userPoolTier"] == "LITE"


def test_cognito_mail_uses_cognitos_sender_unless_ses_is_configured(dev_run):
    assert dev_run.of_type(POOL)[0].inputs["emailConfiguration"] == {
        "emailSendingAccount": "COGNITO_DEFAULT"
    }
    source = "arn:aws:ses:ap-northeast-1:123456789012:identity/example.com"
    run = run_program({"sesEmail": {"sourceArn": source, "from": "Example <no-reply@example.com>"}})
    assert run.of_type(POOL)[0].inputs["emailConfiguration"] == {
        "emailSendingAccount": "DEVELOPER",
        "sourceArn": source,
        "fromEmailAddress": "Example <no-reply@example.com>",
    }


# --- the Deployment trigger ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("_CORS_ALLOW_HEADERS", "Authorization,Content-Type"),
        (
            "_AUTHORIZER",
            {"type": "COGNITO_USER_POOLS", "identity_source": "method.request.header.X-Token"},
        ),  # noqa: E501
        (
            "GATEWAY_RESPONSES",
            {**GATEWAY_RESPONSES, "DEFAULT_4XX": GatewayError("bad_request", "a new message")},
        ),
        (
            "GATEWAY_RESPONSES",
            {**GATEWAY_RESPONSES, "THROTTLED": GatewayError("throttled", None, status=503)},
        ),
        (  # the validator's detail dropped from (or added to) a refused body's message
            "GATEWAY_RESPONSES",
            {**GATEWAY_RESPONSES,
             "BAD_REQUEST_BODY": GatewayError("bad_request", "Invalid request body")},
        ),
    ],
    ids=["cors", "authorizer", "gateway-response-template", "gateway-response-status",
         "gateway-response-validation-detail"],
)
def test_everything_that_shapes_the_api_redeploys_it(dev_run, monkeypatch, attribute, value):
    import infra.api

    monkeypatch.setattr(infra.api, attribute, value)
    assert _redeployment(run_program()) != _redeployment(dev_run)


def test_a_removed_route_is_redeployed_once_its_method_is_gone(dev_run):
    current = dev_run.exports["routeKeys"]
    assert "POST /v1/mail/messages" in current
    # The update that removes a route snapshots the API before the engine deletes the
    # method; the next update must snapshot again (and then settle).
    removing = run_program(previous_outputs={"routeKeys": [*current, "POST /v1/mail/search"]})
    after = run_program(previous_outputs={"routeKeys": current})
    assert _redeployment(removing) != _redeployment(after)
    assert _redeployment(after) == _redeployment(dev_run), "a settled API is not redeployed"


PRODUCT = "product"  # FM Mail's function (products/fm_mail/product.toml)


# --- DynamoDB, Lambda ---------------------------------------------------------------------


def test_product_function_finishes_before_api_gateway_gives_up(dev_run):
    product = dev_run.named(FUNCTION, "functions-product").inputs
    assert product["timeout"] < API_GATEWAY_INTEGRATION_TIMEOUT_S
    imap_deadline = float(product["environment"]["variables"]["IMAP_DEADLINE"])
    assert imap_deadline < product["timeout"], "the IMAP session must end inside the function"


def test_function_names_stay_distinct_and_legal_for_long_stack_names(monkeypatch):
    long_stack = "customer-facing-production-eu-central-1-blue-green-2026"
    monkeypatch.setattr(pulumi, "get_stack", lambda: long_stack)
    names = {concern: function_name(concern) for concern in infra_functions.all_function_specs()}
    assert all(len(name) <= 64 for name in names.values()), names
    assert len(set(names.values())) == len(names), names
    full = f"api-sales-{long_stack}-{PRODUCT}"
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    assert names[PRODUCT] == f"{full[:55]}-{digest}"
    # A short name is left as it is.
    monkeypatch.setattr(pulumi, "get_stack", lambda: "dev")
    assert function_name(PRODUCT) == "api-sales-dev-product"


def test_a_long_stack_wires_the_api_to_the_functions_it_creates():
    long_stack = "customer-facing-production-eu-central-1-blue-green"
    run = run_program(stack=long_stack, config_stack="dev")
    names = {f.name: f.inputs["name"] for f in run.of_type(FUNCTION)}
    assert all(len(name) <= 64 for name in names.values()) and len(names) == 5
    routed = {n for r, n in names.items() if r != "functions-sweep"}  # the sweep is scheduled
    uris = {i.inputs["uri"] for i in run.of_type(INTEGRATION) if i.inputs["type"] == "AWS_PROXY"}
    assert {uri.split(":function:")[1].removesuffix("/invocations") for uri in uris} == routed
    # The schedule's and its queue's names fit their limits too (64 and 80 characters).
    [schedule] = run.of_type("aws:scheduler/schedule:Schedule")
    [queue] = run.of_type("aws:sqs/queue:Queue")
    assert len(schedule.inputs["name"]) <= 64 and len(queue.inputs["name"]) <= 80
    assert schedule.inputs["name"].startswith("api-sales-customer-facing-production")


# --- the product path ---------------------------------------------------------------------


def test_product_urls_carry_the_version_once(dev_run):
    api_url = dev_run.exports["apiUrl"]
    for route in plugin_routes():
        url = api_url + route.path
        assert "/v1/v1/" not in url and url.count("/v1/") == 1, url


# --- the upstream's secret header ---------------------------------------------------------


def test_upstream_receives_a_generated_secret_header():
    run = run_program(UPSTREAM)
    password = run.of_type(RANDOM_PASSWORD)[0]
    assert password.inputs["length"] >= 32 and password.inputs["special"] is False
    value = password.outputs["result"]
    integration = run.named(INTEGRATION, "ANY /v1/{proxy+}").inputs
    assert is_secret(integration["requestParameters"]), "kept secret in the state"
    assert reveal(integration["requestParameters"]) == {
        "integration.request.path.proxy": "method.request.path.proxy",
        "integration.request.header.X-Gateway-Secret": f"'{value}'",
    }
    # Kept in Secrets Manager for the seller's API, as a Pulumi secret, and never exported.
    secret = run.named(SECRET, "upstream-secret")
    assert secret.inputs["name"] == "api-sales/dev/upstream-gateway-secret"
    version = run.named(SECRET_VERSION, "upstream-secret").inputs
    assert is_secret(version["secretString"])
    assert reveal(version["secretString"]) == value
    assert run.exports["upstreamSecretArn"] == secret.outputs["arn"]
    assert value not in repr(run.exports)


def test_a_new_upstream_secret_is_redeployed(monkeypatch):
    before = _redeployment(run_program(UPSTREAM))
    import tests.infra.harness as harness

    original = harness._computed_outputs

    def other_secret(typ, name, resource_id, inputs):
        outputs = original(typ, name, resource_id, inputs)
        if typ == RANDOM_PASSWORD:
            outputs["result"] = "S" * int(inputs["length"])
        return outputs

    monkeypatch.setattr(harness, "_computed_outputs", other_secret)
    assert _redeployment(run_program(UPSTREAM)) != before


def test_without_upstream_no_secret_is_generated(dev_run):
    assert not dev_run.of_type(RANDOM_PASSWORD)
    assert "upstreamSecretArn" not in dev_run.exports


# --- tags ---------------------------------------------------------------------------------


def test_tags_come_from_the_provider_not_from_each_resource(dev_run):
    hand_tagged = [r.name for r in dev_run if r.type.startswith("aws:") and r.inputs.get("tags")]
    assert not hand_tagged
    for stack in ("dev", "local"):
        config = yaml.safe_load(Path(PROJECT_ROOT, f"Pulumi.{stack}.yaml").read_text())["config"]
        assert config["aws:defaultTags"]["tags"] == {"project": "api-sales", "stack": stack}
