"""stateful-resources-protected."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import (
    DYNAMODB_TABLE,
    LAMBDA_FUNCTION,
    STATEFUL_RESOURCES_PROTECTED,
    USER_POOL,
)
from tests.policies.policy_support import violations

USER_POOL_PROPS: dict[str, Any] = {
    "name": "api-sales-dev",
    "usernameAttributes": ["email"],
    "autoVerifiedAttributes": ["email"],
    "deletionProtection": "ACTIVE",
    "schemas": [
        {"name": "plan_type", "attributeDataType": "String", "mutable": True},
        {"name": "stripe_customer_id", "attributeDataType": "String", "mutable": True},
    ],
}
TABLE_PROPS: dict[str, Any] = {
    "billingMode": "PAY_PER_REQUEST",
    "hashKey": "session_id",
    "pointInTimeRecovery": {"enabled": True},
    "serverSideEncryption": {"enabled": True},
    "deletionProtectionEnabled": True,
}


@pytest.mark.parametrize(
    ("resource_type", "props"), [(USER_POOL, USER_POOL_PROPS), (DYNAMODB_TABLE, TABLE_PROPS)]
)
def test_protected_pool_and_table_pass(resource_type: str, props: dict[str, Any]) -> None:
    assert violations(STATEFUL_RESOURCES_PROTECTED, resource_type, props, protect=True) == []


@pytest.mark.parametrize("value", ["INACTIVE", None])
def test_pool_without_deletion_protection_is_rejected(value: str | None) -> None:
    props = {
        k: v for k, v in {**USER_POOL_PROPS, "deletionProtection": value}.items() if v is not None
    }
    [message] = violations(STATEFUL_RESOURCES_PROTECTED, USER_POOL, props, "users", protect=True)
    assert f"Cognito user pool 'users' has deletion_protection {value!r}" in message
    assert "set deletion_protection='ACTIVE'" in message


@pytest.mark.parametrize("value", [False, None])
def test_table_without_deletion_protection_is_rejected(value: bool | None) -> None:
    props = {
        k: v
        for k, v in {**TABLE_PROPS, "deletionProtectionEnabled": value}.items()
        if v is not None
    }
    [message] = violations(
        STATEFUL_RESOURCES_PROTECTED, DYNAMODB_TABLE, props, "sessions", protect=True
    )
    assert "DynamoDB table 'sessions' has deletion_protection_enabled" in message
    assert "set deletion_protection_enabled=True" in message


@pytest.mark.parametrize(
    ("resource_type", "props"), [(USER_POOL, USER_POOL_PROPS), (DYNAMODB_TABLE, TABLE_PROPS)]
)
def test_without_pulumi_protect_is_rejected(resource_type: str, props: dict[str, Any]) -> None:
    [message] = violations(
        STATEFUL_RESOURCES_PROTECTED, resource_type, props, "state", protect=False
    )
    assert "'state' is not Pulumi-protected" in message
    assert "opts=pulumi.ResourceOptions(protect=True)" in message


def test_stateless_resources_need_no_protection() -> None:
    assert (
        violations(STATEFUL_RESOURCES_PROTECTED, LAMBDA_FUNCTION, {"runtime": "python3.12"}) == []
    )


def test_description_tells_unprotected_stacks_to_go_advisory() -> None:
    assert "must set this policy to 'advisory'" in STATEFUL_RESOURCES_PROTECTED.description
