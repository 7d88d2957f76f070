"""The sandbox overlay (``api-sales-sandbox:*``): test-only switches that a stack on real AWS
cannot take, and that the seller-facing ``api-sales:*`` refuses."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from infra.schema_guard import UserPoolSchemaChangeError
from tests.infra.harness import ProgramRun, run_program, stack_config

FUNCTION = "aws:lambda/function:Function"
LOOPBACK_IMAP = "api-sales-sandbox:allowLoopbackImap"
# A deployed attribute the dev config no longer lists: the schema guard refuses the change.
DROPPED_ATTRIBUTE = {"userPoolCustomAttributes": ["plan_type", "stripe_customer_id", "company"]}


def _variables(run: ProgramRun, name: str) -> dict[str, str]:
    return dict(run.named(FUNCTION, name).inputs["environment"]["variables"])


def _local_endpoints(**changes: str) -> list[dict[str, str]]:
    [endpoints] = stack_config("local")["aws:endpoints"]
    return [{**endpoints, **changes}]


@pytest.mark.parametrize("key", [LOOPBACK_IMAP, "api-sales-sandbox:stripeApiBase",
                                 "api-sales-sandbox:schemaGuard"])  # fmt: skip
def test_a_stack_on_real_aws_refuses_every_switch(key: str) -> None:
    value = "http://127.0.0.1:12111" if key.endswith("Base") else "true"
    registered: list = []
    with pytest.raises(ConfigError, match="sandbox-only switch.*loopback") as error:
        run_program({key: value}, registered=registered)  # the dev stack: no aws:endpoints
    assert str(error.value).startswith(f"{key}: ")
    assert not [r for r in registered if r.type == FUNCTION]


@pytest.mark.parametrize("endpoints", [
    _local_endpoints(sts="https://sts.us-east-1.amazonaws.com"),  # one service on real AWS
    _local_endpoints(**{"lambda": "http://10.0.0.5:4566"}),  # an emulator off this machine
    [{k: v for k, v in _local_endpoints()[0].items() if k != "lambda"}],  # Lambda not emulated
])  # fmt: skip
def test_every_endpoint_must_be_loopback_and_lambda_among_them(endpoints) -> None:
    with pytest.raises(ConfigError, match=r"^api-sales-sandbox:allowLoopbackImap: .*loopback"):
        run_program({"aws:endpoints": endpoints}, stack="local")


def test_the_local_stack_turns_loopback_imap_on_for_the_product_only() -> None:
    run = run_program({LOOPBACK_IMAP: "true"}, stack="local")
    assert _variables(run, "functions-product")["ALLOW_LOOPBACK_IMAP"] == "true"
    assert "ALLOW_LOOPBACK_IMAP" not in _variables(run, "functions-billing")


def test_a_real_stack_gets_no_switch(dev_run: ProgramRun) -> None:
    assert _variables(dev_run, "functions-product")["ALLOW_LOOPBACK_IMAP"] == "false"
    assert "STRIPE_API_BASE" not in _variables(dev_run, "functions-billing")


@pytest.mark.parametrize("key", ["allowLoopbackImap", "stripeApiBase", "schemaGuard"])
def test_the_sellers_namespace_refuses_the_switches_and_says_where_they_belong(key) -> None:
    with pytest.raises(ConfigError, match=f"^api-sales:{key}: .*api-sales-sandbox:{key}"):
        run_program({key: "true"}, stack="local")


def test_an_unknown_switch_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"^api-sales-sandbox:schemaGaurd: .*schemaGuard\?"):
        run_program({"api-sales-sandbox:schemaGaurd": "false"}, stack="local")


def test_a_bad_switch_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"^api-sales-sandbox:stripeApiBase: "):
        run_program({"api-sales-sandbox:stripeApiBase": "ftp://127.0.0.1"}, stack="local")
    with pytest.raises(ConfigError, match=r"^api-sales-sandbox:allowLoopbackImap: "):
        run_program({LOOPBACK_IMAP: "maybe"}, stack="local")


def test_schema_guard_off_lets_a_sandbox_drop_an_attribute() -> None:
    with pytest.raises(UserPoolSchemaChangeError):
        run_program(previous_outputs=DROPPED_ATTRIBUTE, stack="local")
    run = run_program({"api-sales-sandbox:schemaGuard": "false"},
                      previous_outputs=DROPPED_ATTRIBUTE, stack="local")  # fmt: skip
    assert run.of_type("aws:cognito/userPool:UserPool")
