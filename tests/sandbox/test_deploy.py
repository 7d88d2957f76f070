"""Deploying the real program into ministack: coverage of every type, outputs, resume."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from apisales.routes.webhook import HANDLED_TYPES
from infra.config import ConfigError
from sandbox.deploy.config import SANDBOX_NAMESPACE, ministack_endpoints, sandbox_config
from sandbox.deploy.deploy import DEPLOYED_FILE, DeployError, resume_stack
from sandbox.deploy.ministack import PortInUseError, start_ministack
from sandbox.deploy.mocks import SKIPPED_TYPES, SkippedResource
from sandbox.run.billing_setup import reconcile_webhook_endpoints
from tests.handlers.stripe_signing import event_payload, sign
from tests.infra.harness import run_program
from tests.sandbox.api_client import call
from tests.sandbox.conftest import Sandbox

COMPONENT_PREFIX = "api-sales:"


@pytest.fixture(scope="module")
def declared() -> Counter[str]:
    """Resource types (and counts) the program declares, from the recording mocks."""
    return Counter(r.type for r in run_program() if not r.type.startswith(COMPONENT_PREFIX))


# That every declared type has a creator is checked without ministack, with each optional
# feature's types too: tests/infra/test_deploying_mocks.py.


@pytest.mark.slow
def test_every_declared_resource_was_created_or_listed_as_skipped(
    sandbox: Sandbox, declared: Counter[str]
) -> None:
    handled = Counter(sandbox.stack.created)
    handled.update(s.type for s in sandbox.stack.skipped)
    assert handled == declared
    assert all(s.type in SKIPPED_TYPES for s in sandbox.stack.skipped)


@pytest.mark.slow
def test_outputs_name_real_ministack_resources(sandbox: Sandbox) -> None:
    stack = sandbox.stack
    assert stack.api_url == (
        f"{sandbox.ministack.endpoint_url}/restapis/{stack.rest_api_id}/api/_user_request_"
    )
    assert stack.webhook_url == stack.api_url + "/stripe/webhook"
    plans = sandbox.client("apigateway").get_usage_plans()["items"]
    assert {p["id"] for p in plans} == set(stack.usage_plan_ids.values())
    free = next(p for p in plans if p["id"] == stack.usage_plan_ids["FREE"])
    assert free["apiStages"] == [{"apiId": stack.rest_api_id, "stage": "api"}]
    assert sandbox.client("cognito-idp").describe_user_pool_client(
        UserPoolId=stack.user_pool_id, ClientId=stack.web_client_id
    )["UserPoolClient"]["WriteAttributes"] == ["email", "name"]
    for name in stack.table_names.values():
        sandbox.client("dynamodb").describe_table(TableName=name)
    secret = sandbox.client("secretsmanager").get_secret_value(
        SecretId=stack.secret_arns["stripeWebhookSecret"]
    )
    assert secret["SecretString"].startswith("whsec_")  # unwrapped from Pulumi's secret


@pytest.mark.slow
def test_functions_get_real_ids_in_their_environment(sandbox: Sandbox) -> None:
    stack = sandbox.stack
    config = sandbox.client("lambda").get_function_configuration(
        FunctionName=stack.function_names["webhook"]
    )
    env = config["Environment"]["Variables"]
    assert env["USERS_TABLE"] == stack.table_names["users"]
    assert env["STRIPE_WEBHOOK_SECRET_ARN"] == stack.secret_arns["stripeWebhookSecret"]
    assert stack.usage_plan_ids["PRO"] in env["PLAN_CATALOG"]
    assert "whsec_" not in str(env)  # secrets by ARN only


@pytest.mark.slow
def test_resume_reuses_the_saved_deploy(sandbox: Sandbox) -> None:
    assert (sandbox.workdir / DEPLOYED_FILE).exists()
    resumed = resume_stack(sandbox.ministack.endpoint_url, sandbox.workdir)
    assert resumed == sandbox.stack


def test_resume_without_a_saved_deploy_says_deploy_fresh(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="deploy fresh"):
        resume_stack("http://127.0.0.1:9", tmp_path)


@pytest.mark.slow
def test_a_taken_port_is_a_clear_error(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(PortInUseError, match=f"port {sandbox.ministack.port} .* in use"):
        start_ministack(tmp_path, port=sandbox.ministack.port)


def test_sandbox_config_shrinks_only_the_free_quota() -> None:
    config = sandbox_config("http://localhost:1", "http://127.0.0.1:2", free_quota=(3, "DAY"))
    plans = {p["name"]: p["quota"] for p in config["api-sales:plans"]}
    assert plans == {"FREE": {"limit": 3, "period": "DAY"},
                     "PRO": {"limit": 100000, "period": "MONTH"}}  # fmt: skip
    assert config["api-sales-sandbox:stripeApiBase"] == "http://127.0.0.1:2"
    assert config["api-sales:protectStatefulResources"] == "false"


@pytest.mark.slow
def test_start_up_lines_say_what_was_skipped(sandbox: Sandbox) -> None:
    stack = replace(sandbox.stack, skipped=[SkippedResource("aws:x/y:Z", "z", "no reason")])
    assert stack.skipped_lines() == ["skipped aws:x/y:Z 'z': no reason"]
    assert sandbox.stack.skipped_lines() == [
        f"all {sum(sandbox.stack.created.values())} resources of the stack were created"
    ]


def _endpoint_secret(sandbox: Sandbox) -> str:
    """The signing secret the double issued when the program created the endpoint."""
    with sandbox.stripe.store.lock:
        return sandbox.stripe.store.meta[sandbox.stack.stripe_webhook_endpoint_id]["secret"]


@pytest.mark.slow
def test_the_stored_signing_secret_is_the_one_the_endpoint_was_issued(sandbox: Sandbox) -> None:
    value = sandbox.client("secretsmanager").get_secret_value(
        SecretId=sandbox.stack.secret_arns["stripeWebhookSecret"]
    )["SecretString"]
    assert value == _endpoint_secret(sandbox)


@pytest.mark.slow
def test_a_webhook_signed_with_the_endpoints_secret_is_accepted(sandbox: Sandbox) -> None:
    """The webhook function reads the signing secret from Secrets Manager through its role;
    an event type the stack does not handle is acknowledged (200); a wrong secret is not."""
    payload = event_payload("customer.created", {"id": "cus_sandbox", "object": "customer"})
    response = call("POST", sandbox.stack.webhook_url, raw=payload.encode(),
                    headers={"Stripe-Signature": sign(payload, _endpoint_secret(sandbox))})
    assert response.status == 200, response.body
    forged = call("POST", sandbox.stack.webhook_url, raw=payload.encode(),
                  headers={"Stripe-Signature": sign(payload, "whsec_typed_in_by_hand")})
    assert forged.status == 400, forged.body


@pytest.mark.slow
def test_the_double_holds_the_catalogue_portal_and_endpoint_the_program_declared(
    sandbox: Sandbox,
) -> None:
    double, stack = sandbox.stripe, sandbox.stack
    [price] = [p for p in double.store.all("price") if p["lookup_key"] == "FMMailPro"]
    assert (price["unit_amount"], price["currency"], price["recurring"]["interval"]) == (
        980, "jpy", "month")
    assert double.get(price["product"])["name"] == "FM Mail PRO"
    portal = double.get(stack.stripe_portal_configuration_id)
    assert portal["features"]["subscription_cancel"]["mode"] == "at_period_end"
    assert portal["default_return_url"] == "http://localhost:8765/upgrade"
    endpoint = double.get(stack.stripe_webhook_endpoint_id)
    assert endpoint["url"] == stack.webhook_url
    assert set(endpoint["enabled_events"]) == set(HANDLED_TYPES)
    billing = sandbox.client("lambda").get_function_configuration(
        FunctionName=stack.function_names["billing"])["Environment"]["Variables"]
    assert billing["STRIPE_PORTAL_CONFIGURATION"] == portal["id"]


@pytest.mark.slow
def test_a_stale_endpoint_from_an_earlier_run_stops_receiving_events(sandbox: Sandbox) -> None:
    stale = sandbox.stripe.add_webhook_endpoint("http://127.0.0.1:9/an-old-port/stripe/webhook")
    deleted = reconcile_webhook_endpoints(sandbox.stripe, sandbox.stack)
    assert deleted == [stale.id]
    assert [e["id"] for e in sandbox.stripe.store.all("webhook_endpoint")] == [
        sandbox.stack.stripe_webhook_endpoint_id]
    moved = replace(sandbox.stack, webhook_url="http://127.0.0.1:1/new/stripe/webhook")
    reconcile_webhook_endpoints(sandbox.stripe, moved)  # resumed on another port
    assert sandbox.stripe.get(moved.stripe_webhook_endpoint_id)["url"] == moved.webhook_url
    reconcile_webhook_endpoints(sandbox.stripe, sandbox.stack)
    lost = replace(sandbox.stack, stripe_webhook_endpoint_id="we_gone")
    with pytest.raises(DeployError, match="deploy fresh"):
        reconcile_webhook_endpoints(sandbox.stripe, lost)


def test_the_program_takes_the_sandbox_switches_only_with_ministacks_endpoints() -> None:
    config = sandbox_config("http://localhost:1", "http://127.0.0.1:2")
    switches = {k: v for k, v in config.items() if k.startswith(f"{SANDBOX_NAMESPACE}:")}
    assert set(switches) == {"api-sales-sandbox:allowLoopbackImap",
                             "api-sales-sandbox:stripeApiBase"}  # fmt: skip
    run = run_program({**switches, "aws:endpoints": ministack_endpoints("http://127.0.0.1:4566")})
    variables = {f.name: f.inputs["environment"]["variables"]
                 for f in run.of_type("aws:lambda/function:Function")}  # fmt: skip
    assert variables["functions-product"]["ALLOW_LOOPBACK_IMAP"] == "true"
    assert variables["functions-billing"]["STRIPE_API_BASE"] == "http://127.0.0.1:2"
    with pytest.raises(ConfigError, match="sandbox-only switch"):
        run_program(switches)  # the same switches on a stack without ministack's endpoints
