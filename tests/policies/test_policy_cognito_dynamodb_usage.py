"""cognito-client-no-custom-write, dynamodb-pitr-and-encryption, usage-plan-quota-and-throttle."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import (
    COGNITO_CLIENT_NO_CUSTOM_WRITE,
    DYNAMODB_PITR_AND_ENCRYPTION,
    DYNAMODB_TABLE,
    USAGE_PLAN,
    USAGE_PLAN_QUOTA_AND_THROTTLE,
    USER_POOL_CLIENT,
)
from tests.policies.policy_support import violations

WEB_CLIENT: dict[str, Any] = {
    "userPoolId": "ap-northeast-1_AbCdEf123",
    "name": "api-sales-web",
    "generateSecret": False,
    "allowedOauthFlows": ["code"],
    "allowedOauthFlowsUserPoolClient": True,
    "allowedOauthScopes": ["openid", "email", "profile"],
    "callbackUrls": ["https://app.example.com/callback"],
    "readAttributes": [
        "email",
        "email_verified",
        "name",
        "custom:plan_type",
        "custom:stripe_customer_id",
    ],
    "writeAttributes": ["email", "name"],
}


def test_web_client_that_reads_custom_attributes_but_writes_standard_ones_passes() -> None:
    assert violations(COGNITO_CLIENT_NO_CUSTOM_WRITE, USER_POOL_CLIENT, WEB_CLIENT) == []


@pytest.mark.parametrize(
    "custom", ["custom:plan_type", "custom:stripe_customer_id", "CUSTOM:plan_type"]
)
def test_client_writing_a_custom_attribute_is_rejected(custom: str) -> None:
    props = {**WEB_CLIENT, "writeAttributes": ["email", custom]}
    [message] = violations(COGNITO_CLIENT_NO_CUSTOM_WRITE, USER_POOL_CLIENT, props, "web")
    assert custom in message
    assert "Remove every custom: attribute from write_attributes" in message


@pytest.mark.parametrize("write_attributes", [None, []])
def test_client_without_write_attributes_is_rejected_because_aws_default_writes_all(
    write_attributes: list[str] | None,
) -> None:
    props = {k: v for k, v in WEB_CLIENT.items() if k != "writeAttributes"}
    if write_attributes is not None:
        props["writeAttributes"] = write_attributes
    [message] = violations(COGNITO_CLIENT_NO_CUSTOM_WRITE, USER_POOL_CLIENT, props, "web")
    assert "sets no write_attributes" in message
    assert "custom:" in message


def test_cognito_rule_ignores_other_resources() -> None:
    assert violations(COGNITO_CLIENT_NO_CUSTOM_WRITE, DYNAMODB_TABLE, {}) == []


USERS_TABLE: dict[str, Any] = {
    "name": "api-sales-dev-users",
    "billingMode": "PAY_PER_REQUEST",
    "hashKey": "user_id",
    "attributes": [{"name": "user_id", "type": "S"}, {"name": "stripe_customer_id", "type": "S"}],
    "globalSecondaryIndexes": [
        {"name": "by_stripe_customer_id", "hashKey": "stripe_customer_id", "projectionType": "ALL"}
    ],
    "pointInTimeRecovery": {"enabled": True},
    "serverSideEncryption": {"enabled": True},
    "deletionProtectionEnabled": True,
}


def test_table_with_pitr_and_sse_passes() -> None:
    assert violations(DYNAMODB_PITR_AND_ENCRYPTION, DYNAMODB_TABLE, USERS_TABLE) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"pointInTimeRecovery": None}, "no point-in-time recovery"),
        ({"pointInTimeRecovery": {"enabled": False}}, "no point-in-time recovery"),
        ({"serverSideEncryption": None}, "does not enable server-side encryption"),
        ({"serverSideEncryption": {"enabled": False}}, "does not enable server-side encryption"),
    ],
)
def test_table_without_pitr_or_sse_is_rejected(change: dict[str, Any], expected: str) -> None:
    props = {k: v for k, v in {**USERS_TABLE, **change}.items() if v is not None}
    [message] = violations(DYNAMODB_PITR_AND_ENCRYPTION, DYNAMODB_TABLE, props, "users")
    assert expected in message
    assert "'users'" in message


def test_table_with_neither_gets_both_messages() -> None:
    props = {
        k: v
        for k, v in USERS_TABLE.items()
        if k not in ("pointInTimeRecovery", "serverSideEncryption")
    }
    messages = violations(DYNAMODB_PITR_AND_ENCRYPTION, DYNAMODB_TABLE, props)
    assert len(messages) == 2
    assert "point_in_time_recovery={'enabled': True}" in messages[0]
    assert "server_side_encryption={'enabled': True}" in messages[1]


PRO_PLAN: dict[str, Any] = {
    "name": "PRO",
    "apiStages": [{"apiId": "a1b2c3", "stage": "v1"}],
    # Numbers cross the engine's protobuf boundary as floats.
    "quotaSettings": {"limit": 100000.0, "period": "MONTH"},
    "throttleSettings": {"rateLimit": 20.0, "burstLimit": 40.0},
}


def test_usage_plan_with_quota_and_throttle_passes() -> None:
    assert violations(USAGE_PLAN_QUOTA_AND_THROTTLE, USAGE_PLAN, PRO_PLAN) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quotaSettings": None}, "has no quota"),
        ({"quotaSettings": {"limit": 0, "period": "MONTH"}}, "quota limit 0"),
        ({"quotaSettings": {"limit": -5, "period": "MONTH"}}, "quota limit -5"),
        ({"quotaSettings": {"period": "MONTH"}}, "quota limit None"),
        ({"quotaSettings": {"limit": True, "period": "MONTH"}}, "quota limit True"),
        ({"quotaSettings": {"limit": 1000}}, "quota period None"),
        ({"quotaSettings": {"limit": 1000, "period": "YEAR"}}, "quota period 'YEAR'"),
        ({"throttleSettings": None}, "has no throttle"),
        ({"throttleSettings": {"rateLimit": 0, "burstLimit": 40}}, "throttle rate_limit 0"),
        ({"throttleSettings": {"rateLimit": 20}}, "throttle burst_limit None"),
        ({"throttleSettings": {"rateLimit": 20, "burstLimit": -1}}, "throttle burst_limit -1"),
    ],
)
def test_usage_plan_without_a_real_quota_or_throttle_is_rejected(
    change: dict[str, Any], expected: str
) -> None:
    props = {k: v for k, v in {**PRO_PLAN, **change}.items() if v is not None}
    [message] = violations(USAGE_PLAN_QUOTA_AND_THROTTLE, USAGE_PLAN, props, "PRO")
    assert expected in message
    assert "Usage plan 'PRO'" in message
