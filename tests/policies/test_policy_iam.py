"""iam-no-wildcards: every statement shape IAM allows (string or list, JSON or dict)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.rules import (
    IAM_NO_WILDCARDS,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    IAM_ROLE_POLICY_ATTACHMENT,
    NO_RESOURCE_LEVEL_ACTIONS,
    iam_document_problems,
)
from tests.policies.policy_support import violations

TABLE_ARN = "arn:aws:dynamodb:ap-northeast-1:123456789012:table/api-sales-dev-users"
SECRET_ARN = (
    "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:api-sales/dev/stripe-api-key-AbC123"
)
LOG_ARN = "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/webhook:*"

WEBHOOK_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Users",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
            ],
            "Resource": [TABLE_ARN, f"{TABLE_ARN}/index/by_stripe_customer_id"],
        },
        {
            "Sid": "StripeSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": SECRET_ARN,
        },
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": LOG_ARN,
        },
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Sid": "Metrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "api-sales"}},
        },
        {"Sid": "NeverDelete", "Effect": "Deny", "Action": "*", "Resource": "*"},
    ],
}


@pytest.mark.parametrize("as_json", [True, False])
def test_least_privilege_role_policy_passes(as_json: bool) -> None:
    document = json.dumps(WEBHOOK_POLICY) if as_json else WEBHOOK_POLICY
    props = {"role": "webhook-role", "policy": document}
    assert violations(IAM_NO_WILDCARDS, IAM_ROLE_POLICY, props, "webhook") == []


def _policy(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": TABLE_ARN}, "allows *;"),
        (
            {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": TABLE_ARN},
            "allows dynamodb:*;",
        ),
        ({"Effect": "Allow", "Action": "*:GetItem", "Resource": TABLE_ARN}, "allows *:GetItem;"),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": TABLE_ARN}, "allows NotAction"),
        (
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
            "grants dynamodb:GetItem on Resource '*'",
        ),
        (
            {
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "s3:GetObject"],
                "Resource": ["*"],
            },
            "grants s3:GetObject on Resource '*'",
        ),
        (
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "NotResource": TABLE_ARN},
            "grants dynamodb:GetItem on Resource '*' (or NotResource)",
        ),
    ],
)
def test_broad_statements_are_rejected(statement: dict[str, Any], expected: str) -> None:
    messages = violations(IAM_NO_WILDCARDS, IAM_ROLE_POLICY, {"policy": _policy(statement)}, "fn")
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("IAM RolePolicy 'fn' policy: ") for m in messages)


def test_single_statement_object_and_standalone_policy_are_checked() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    }
    messages = violations(IAM_NO_WILDCARDS, IAM_POLICY, {"policy": document}, "ops")
    assert len(messages) == 2
    assert "allows s3:*" in messages[0]
    assert "scope it to the ARNs it uses" in messages[1]


def test_unparseable_policy_is_rejected() -> None:
    [message] = violations(IAM_NO_WILDCARDS, IAM_POLICY, {"policy": "{not json"}, "ops")
    assert "is not valid JSON" in message


def test_role_inline_policies_are_checked_and_assume_role_policy_is_not_a_grant() -> None:
    assume = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    good = {
        "assumeRolePolicy": assume,
        "inlinePolicies": [{"name": "data", "policy": json.dumps(WEBHOOK_POLICY)}],
    }
    assert violations(IAM_NO_WILDCARDS, IAM_ROLE, good, "webhook-role") == []
    bad = {
        **good,
        "inlinePolicies": [
            {
                "name": "data",
                "policy": _policy(
                    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE_ARN}
                ),
            }
        ],
    }
    [message] = violations(IAM_NO_WILDCARDS, IAM_ROLE, bad, "webhook-role")
    assert message.startswith("IAM Role 'webhook-role' inline policy 'data': ")


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (IAM_ROLE, {"managedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}),
        (
            IAM_ROLE_POLICY_ATTACHMENT,
            {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"},
        ),
    ],
)
def test_broad_aws_managed_policies_are_rejected(resource_type: str, props: dict[str, Any]) -> None:
    [message] = violations(IAM_NO_WILDCARDS, resource_type, props, "fn")
    assert "write an inline policy with the exact actions" in message


def test_basic_execution_role_attachment_passes() -> None:
    props = {
        "role": "r",
        "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    }
    assert violations(IAM_NO_WILDCARDS, IAM_ROLE_POLICY_ATTACHMENT, props, "fn") == []


# --- property-based: every way IAM lets you spell a statement -----------------------------

SPECIFIC_ACTIONS = st.sampled_from(
    [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",
        "apigateway:POST",
        "cognito-idp:AdminUpdateUserAttributes",
        "logs:PutLogEvents",
        "dynamodb:Get*",
    ]
)
NO_RESOURCE_ACTIONS = st.sampled_from(sorted(NO_RESOURCE_LEVEL_ACTIONS))
WILDCARD_ACTIONS = st.sampled_from(["*", "dynamodb:*", "iam:*", "*:*", "S3:*"])
ARNS = st.sampled_from([TABLE_ARN, SECRET_ARN, LOG_ARN])


def one_or_many(elements: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """IAM accepts a single string or a list for Action and Resource."""
    return st.one_of(elements, st.lists(elements, min_size=1, max_size=4))


def document(statements: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    shaped = st.one_of(statements, st.lists(statements, min_size=1, max_size=3))
    docs = shaped.map(lambda s: {"Version": "2012-10-17", "Statement": s})
    return st.one_of(docs, docs.map(json.dumps))


def statement(
    actions: st.SearchStrategy[Any], resources: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda a, r: {"Effect": "Allow", "Action": a, "Resource": r}, actions, resources
    )


@given(document(statement(one_or_many(SPECIFIC_ACTIONS), one_or_many(ARNS))))
def test_specific_actions_on_specific_resources_always_pass(doc: Any) -> None:
    assert iam_document_problems(doc) == []


@given(
    document(
        statement(one_or_many(NO_RESOURCE_ACTIONS), st.sampled_from(["*", ["*"], ["*", TABLE_ARN]]))
    )
)
def test_star_resource_passes_for_actions_without_resource_level_permissions(doc: Any) -> None:
    assert iam_document_problems(doc) == []


@given(
    doc=document(
        statement(one_or_many(st.one_of(SPECIFIC_ACTIONS, NO_RESOURCE_ACTIONS)), one_or_many(ARNS))
    ),
    bad=statement(
        st.lists(st.one_of(SPECIFIC_ACTIONS, WILDCARD_ACTIONS), min_size=1).filter(
            lambda a: any(x.endswith("*") and (x == "*" or x.split(":")[1] == "*") for x in a)
        ),
        one_or_many(ARNS),
    ),
    as_json=st.booleans(),
)
def test_any_wildcard_action_anywhere_is_rejected(
    doc: Any, bad: dict[str, Any], as_json: bool
) -> None:
    parsed = json.loads(doc) if isinstance(doc, str) else doc
    statements = (
        parsed["Statement"] if isinstance(parsed["Statement"], list) else [parsed["Statement"]]
    )
    combined: Any = {"Version": "2012-10-17", "Statement": [*statements, bad]}
    if as_json:
        combined = json.dumps(combined)
    problems = iam_document_problems(combined)
    assert any("list the exact actions" in p for p in problems)


@given(
    document(
        statement(
            st.lists(st.one_of(SPECIFIC_ACTIONS, NO_RESOURCE_ACTIONS), min_size=1).filter(
                lambda a: any(x.lower() not in NO_RESOURCE_LEVEL_ACTIONS for x in a)
            ),
            st.sampled_from(["*", ["*"], [TABLE_ARN, "*"]]),
        )
    )
)
def test_star_resource_with_a_scopable_action_is_rejected(doc: Any) -> None:
    problems = iam_document_problems(doc)
    assert problems and all("on Resource '*'" in p for p in problems)
