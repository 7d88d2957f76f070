"""The real program (built under mocks by tests/infra/harness.py) passes every policy, and
changing one fact of its resources is caught: the pack guards what the program declares."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from policies.rules import (
    ALARMS_NOTIFY,
    ALL_POLICIES,
    API_METHOD,
    API_METHOD_AUTHORIZED,
    COGNITO_CLIENT_NO_CUSTOM_WRITE,
    DYNAMODB_PITR_AND_ENCRYPTION,
    DYNAMODB_TABLE,
    IAM_NO_WILDCARDS,
    IAM_ROLE_POLICY,
    LAMBDA_ENV_NO_SECRETS,
    LAMBDA_FUNCTION,
    LAMBDA_SUPPORTED_PYTHON,
    METRIC_ALARM,
    SNS_TOPIC,
    SNS_TOPIC_CUSTOMER_KEY,
    STATEFUL_RESOURCES_PROTECTED,
    USAGE_PLAN,
    USAGE_PLAN_QUOTA_AND_THROTTLE,
    USER_POOL,
    USER_POOL_CLIENT,
)
from tests.policies.policy_support import violations

harness = pytest.importorskip("tests.infra.harness", reason="harness not yet landed")

CONFIGS: dict[str, dict[str, Any]] = {
    "dev": {},
    # The other product shape: an API-key-required proxy to the seller's own API.
    "upstream-proxy": {"upstreamUrl": "https://api.seller.example.com"},
    # The quota mail function, its schedule and their roles (off in the dev stack).
    "quota-mail": {"quotaMail": {
        "from": "no-reply@seller.example",
        "sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example"}},
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def program(request: pytest.FixtureRequest) -> list[Any]:
    return list(harness.run_program(CONFIGS[request.param]))


def all_violations(
    resource: Any, inputs: dict[str, Any] | None = None, protect: bool | None = None
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for policy in ALL_POLICIES:
        messages = violations(
            policy,
            resource.type,
            resource.inputs if inputs is None else inputs,
            resource.name,
            resource.protect if protect is None else protect,
        )
        if messages:
            found[policy.name] = messages
    return found


def test_every_resource_of_the_program_passes_every_policy(program: list[Any]) -> None:
    found = {f"{r.type} {r.name!r}": v for r in program if (v := all_violations(r))}
    assert found == {}


def test_every_policy_has_something_to_check_in_the_program(program: list[Any]) -> None:
    # A policy whose resource type the program never declares would pass vacuously.
    types = {r.type for r in program}
    for checked in (
        USER_POOL,
        USER_POOL_CLIENT,
        DYNAMODB_TABLE,
        USAGE_PLAN,
        API_METHOD,
        IAM_ROLE_POLICY,
        LAMBDA_FUNCTION,
        METRIC_ALARM,
        SNS_TOPIC,
    ):
        assert checked in types


def _one(program: list[Any], type_: str, pick: Callable[[Any], bool] = lambda r: True) -> Any:
    matches = [r for r in program if r.type == type_ and pick(r)]
    assert matches, f"the program declares no {type_} matching the case"
    return matches[0]


def _statements(document: Any) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else copy.deepcopy(document)
    statements = parsed["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _flip_method_to_open(r: Any) -> dict[str, Any]:
    return {k: v for k, v in r.inputs.items() if k != "apiKeyRequired"}


def _add_custom_write(r: Any) -> dict[str, Any]:
    return {**r.inputs, "writeAttributes": [*r.inputs["writeAttributes"], "custom:plan_type"]}


def _widen_tables_statement(r: Any) -> dict[str, Any]:
    statements = _statements(r.inputs["policy"])
    for statement in statements:
        if any(str(a).startswith("dynamodb:") for a in statement.get("Action", [])):
            statement["Resource"] = "*"
    return {**r.inputs, "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}


def _add_service_wildcard(r: Any) -> dict[str, Any]:
    statements = [
        *_statements(r.inputs["policy"]),
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*"},
    ]
    return {**r.inputs, "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}


def _env_with(name: str, value: str) -> Callable[[Any], dict[str, Any]]:
    def flip(r: Any) -> dict[str, Any]:
        variables = {**r.inputs["environment"]["variables"], name: value}
        return {**r.inputs, "environment": {"variables": variables}}

    return flip


def _is_product_method(r: Any) -> bool:
    return r.inputs.get("httpMethod") != "OPTIONS" and " /v1/" in r.name


def _is_account_method(r: Any) -> bool:
    return r.name == "GET /account"


def _has_tables_statement(r: Any) -> bool:
    return "dynamodb:" in str(r.inputs.get("policy"))


# (case, type, which resource, how to break it, policy expected to object, message fragment)
FLIPS: list[tuple[str, str, Callable[[Any], bool], Callable[[Any], dict[str, Any]], str, str]] = [
    (
        "product method without api key",
        API_METHOD,
        _is_product_method,
        _flip_method_to_open,
        API_METHOD_AUTHORIZED.name,
        "is open to anyone",
    ),
    (
        "account method without authorizer",
        API_METHOD,
        _is_account_method,
        lambda r: {**r.inputs, "authorization": "NONE", "authorizerId": None},
        API_METHOD_AUTHORIZED.name,
        "is open to anyone",
    ),
    (
        "webhook name on a GET",
        API_METHOD,
        lambda r: r.name == "POST /stripe/webhook",
        lambda r: {**r.inputs, "httpMethod": "GET"},
        API_METHOD_AUTHORIZED.name,
        "named as the public route",
    ),
    (
        "client writes custom:plan_type",
        USER_POOL_CLIENT,
        lambda r: True,
        _add_custom_write,
        COGNITO_CLIENT_NO_CUSTOM_WRITE.name,
        "custom:plan_type",
    ),
    (
        "client without write attributes",
        USER_POOL_CLIENT,
        lambda r: True,
        lambda r: {k: v for k, v in r.inputs.items() if k != "writeAttributes"},
        COGNITO_CLIENT_NO_CUSTOM_WRITE.name,
        "sets no write_attributes",
    ),
    (
        "table without PITR",
        DYNAMODB_TABLE,
        lambda r: True,
        lambda r: {**r.inputs, "pointInTimeRecovery": {"enabled": False}},
        DYNAMODB_PITR_AND_ENCRYPTION.name,
        "no point-in-time recovery",
    ),
    (
        "table without SSE",
        DYNAMODB_TABLE,
        lambda r: True,
        lambda r: {k: v for k, v in r.inputs.items() if k != "serverSideEncryption"},
        DYNAMODB_PITR_AND_ENCRYPTION.name,
        "server-side encryption",
    ),
    (
        "table without deletion protection",
        DYNAMODB_TABLE,
        lambda r: True,
        lambda r: {**r.inputs, "deletionProtectionEnabled": False},
        STATEFUL_RESOURCES_PROTECTED.name,
        "deletion_protection_enabled",
    ),
    (
        "pool without deletion protection",
        USER_POOL,
        lambda r: True,
        lambda r: {**r.inputs, "deletionProtection": "INACTIVE"},
        STATEFUL_RESOURCES_PROTECTED.name,
        "deletion_protection='ACTIVE'",
    ),
    (
        "usage plan without throttle",
        USAGE_PLAN,
        lambda r: True,
        lambda r: {k: v for k, v in r.inputs.items() if k != "throttleSettings"},
        USAGE_PLAN_QUOTA_AND_THROTTLE.name,
        "has no throttle",
    ),
    (
        "usage plan with zero quota",
        USAGE_PLAN,
        lambda r: True,
        lambda r: {**r.inputs, "quotaSettings": {**r.inputs["quotaSettings"], "limit": 0}},
        USAGE_PLAN_QUOTA_AND_THROTTLE.name,
        "quota limit 0",
    ),
    (
        "tables statement on Resource *",
        IAM_ROLE_POLICY,
        _has_tables_statement,
        _widen_tables_statement,
        IAM_NO_WILDCARDS.name,
        "on Resource '*'",
    ),
    (
        "dynamodb:* added",
        IAM_ROLE_POLICY,
        _has_tables_statement,
        _add_service_wildcard,
        IAM_NO_WILDCARDS.name,
        "allows dynamodb:*",
    ),
    (
        "Stripe key in env",
        LAMBDA_FUNCTION,
        lambda r: True,
        _env_with("STRIPE_API_KEY", "sk_test_51Example0000000000000000000000"),
        LAMBDA_ENV_NO_SECRETS.name,
        "a Stripe secret",
    ),
    (
        "webhook secret under the ARN's name",
        LAMBDA_FUNCTION,
        lambda r: True,
        _env_with("STRIPE_WEBHOOK_SECRET_ARN", "whsec_example000000000000000000000000"),
        LAMBDA_ENV_NO_SECRETS.name,
        "webhook signing secret",
    ),
    (
        "deprecated runtime",
        LAMBDA_FUNCTION,
        lambda r: True,
        lambda r: {**r.inputs, "runtime": "python3.10"},
        LAMBDA_SUPPORTED_PYTHON.name,
        "'python3.10'",
    ),
    (
        "alarm without ok action",
        METRIC_ALARM,
        lambda r: True,
        lambda r: {k: v for k, v in r.inputs.items() if k != "okActions"},
        ALARMS_NOTIFY.name,
        "no ok_actions",
    ),
    (
        "math alarm with actions disabled",
        METRIC_ALARM,
        lambda r: "metricQueries" in r.inputs,
        lambda r: {**r.inputs, "actionsEnabled": False},
        ALARMS_NOTIFY.name,
        "actions_enabled=False",
    ),
    (
        "topic under the AWS managed key",
        SNS_TOPIC,
        lambda r: True,
        lambda r: {**r.inputs, "kmsMasterKeyId": "alias/aws/sns"},
        SNS_TOPIC_CUSTOMER_KEY.name,
        "alias/aws/sns",
    ),
    (
        "unencrypted topic",
        SNS_TOPIC,
        lambda r: True,
        lambda r: {k: v for k, v in r.inputs.items() if k != "kmsMasterKeyId"},
        SNS_TOPIC_CUSTOMER_KEY.name,
        "is not encrypted",
    ),
]


@pytest.mark.parametrize(
    ("case", "type_", "pick", "flip", "policy_name", "fragment"), FLIPS, ids=[f[0] for f in FLIPS]
)
def test_one_changed_fact_is_caught(
    program: list[Any],
    case: str,
    type_: str,
    pick: Callable[[Any], bool],
    flip: Callable[[Any], dict[str, Any]],
    policy_name: str,
    fragment: str,
) -> None:
    resource = _one(program, type_, pick)
    found = all_violations(resource, inputs=flip(resource))
    assert policy_name in found, f"{case}: no violation from {policy_name}"
    assert any(fragment in m for m in found[policy_name]), found[policy_name]
    # Only the rule about the changed fact objects.
    assert set(found) == {policy_name}, found


@pytest.mark.parametrize("type_", [USER_POOL, DYNAMODB_TABLE])
def test_dropping_pulumi_protect_is_caught(program: list[Any], type_: str) -> None:
    resource = _one(program, type_)
    found = all_violations(resource, protect=False)
    assert set(found) == {STATEFUL_RESOURCES_PROTECTED.name}
    assert "is not Pulumi-protected" in found[STATEFUL_RESOURCES_PROTECTED.name][0]


def test_a_stack_that_turns_protection_off_needs_the_policy_advisory() -> None:
    # docs/policies.md: such a stack sets stateful-resources-protected to advisory.
    run = harness.run_program({"protectStatefulResources": "false"})
    offenders = {
        (r.type, r.name) for r in run if STATEFUL_RESOURCES_PROTECTED.name in all_violations(r)
    }
    assert offenders == {(r.type, r.name) for r in run if r.type in (USER_POOL, DYNAMODB_TABLE)}
    assert len(offenders) == 5  # the pool and four tables
    others = {name for r in run for name in all_violations(r)}
    assert others == {STATEFUL_RESOURCES_PROTECTED.name}
