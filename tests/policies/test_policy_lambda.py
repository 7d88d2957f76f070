"""lambda-env-no-secrets and lambda-supported-python."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.rules import (
    LAMBDA_ENV_NO_SECRETS,
    LAMBDA_FUNCTION,
    LAMBDA_SUPPORTED_PYTHON,
    SUPPORTED_PYTHON_RUNTIMES,
    secret_value_problem,
)
from tests.policies.policy_support import violations

SECRET_ARN = (
    "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:api-sales/dev/stripe-api-key-AbC123"
)
WEBHOOK_FUNCTION: dict[str, Any] = {
    "runtime": "python3.12",
    "architectures": ["arm64"],
    "handler": "apisales.routes.webhook.lambda_handler",
    "memorySize": 512,
    "timeout": 15,
    "environment": {
        "variables": {
            "USERS_TABLE": "api-sales-dev-users-1a2b3c4",
            "STRIPE_EVENTS_TABLE": "api-sales-dev-stripe-events-9f8e7d6",
            "USER_POOL_ID": "ap-northeast-1_AbCdEf123",
            "STRIPE_API_KEY_SECRET_ARN": SECRET_ARN,
            "STRIPE_WEBHOOK_SECRET_ARN": SECRET_ARN.replace(
                "stripe-api-key", "stripe-webhook-secret"
            ),
            "PLAN_CATALOG": '{"default_plan": "FREE", "plans": [{"name": "FREE", "usage_plan_id": '
            '"abc123", "price_lookup_key": null, "quota": {"limit": 1000, '
            '"period": "MONTH"}}]}',
            "WEB_BASE_URL": "https://app.example.com",
            "GRACE_ON_PAST_DUE": "true",
            "POWERTOOLS_SERVICE_NAME": "webhook",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "SIGNING_SECRET_PARAM": "/api-sales/dev/stripe-webhook-secret",
            "TOKEN_TTL_SECONDS": "3600",
            "ID_TOKEN_ISSUER": "https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_AbC",
        }
    },
}


def _with_env(name: str, value: str) -> dict[str, Any]:
    env = {**WEBHOOK_FUNCTION["environment"]["variables"], name: value}
    return {**WEBHOOK_FUNCTION, "environment": {"variables": env}}


def test_function_with_secret_references_passes() -> None:
    assert violations(LAMBDA_ENV_NO_SECRETS, LAMBDA_FUNCTION, WEBHOOK_FUNCTION) == []


def test_the_stripe_portal_configuration_id_is_not_taken_for_a_secret() -> None:
    # The billing function's STRIPE_PORTAL_CONFIGURATION: a Stripe object id, safe to show.
    function = _with_env("STRIPE_PORTAL_CONFIGURATION", "bpc_1Pgc7HB7WZ01zgkWxH2EPWRX")
    assert violations(LAMBDA_ENV_NO_SECRETS, LAMBDA_FUNCTION, function) == []


def test_function_without_environment_passes() -> None:
    props = {k: v for k, v in WEBHOOK_FUNCTION.items() if k != "environment"}
    assert violations(LAMBDA_ENV_NO_SECRETS, LAMBDA_FUNCTION, props) == []


@pytest.mark.parametrize(
    ("name", "value", "what"),
    [
        (
            "STRIPE_SECRET_KEY",
            "sk_live_51Hx0aBcDeFgHiJkLmNoPqRsT",
            "a Stripe secret or restricted key",
        ),
        ("STRIPE_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe secret or restricted key"),
        (
            "STRIPE_RESTRICTED",
            "rk_live_51Hx0aBcDeFgHiJkLmNoPq",
            "a Stripe secret or restricted key",
        ),
        ("RK", "rk_test_51Hx0aBcDeFgHiJk", "a Stripe secret or restricted key"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "webhook signing"),
        # A reference-looking name does not launder a secret value.
        ("STRIPE_API_KEY_SECRET_ARN", "sk_live_51Hx0aBcDeFgHiJkLmNoPqRsT", "a Stripe secret"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("SESSION", "ASIAY34FZKBOKMUTVV7A", "an AWS access key id"),
        ("SIGNING_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", "a PEM private key"),
        ("JWT_KEY", "-----BEGIN PRIVATE KEY-----\nMIIEvQ...", "a PEM private key"),
        ("SLACK_HOOK", "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "a Slack token"),
        ("DATABASE_URL", "postgres://app:s3cr3tP4ss@db.internal:5432/app", "embedded password"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "looks like a credential",
        ),
        ("UPSTREAM_API_KEY", "9f86d081884c7d659a2feaa0c55ad015", "looks like a credential"),
        ("IMAP_PASSWORD", "Tr0ub4dor&3xK9qLmZ", "looks like a credential"),
        ("GITHUB_TOKEN", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "a GitHub token"),
    ],
)
def test_secret_values_are_rejected(name: str, value: str, what: str) -> None:
    [message] = violations(
        LAMBDA_ENV_NO_SECRETS, LAMBDA_FUNCTION, _with_env(name, value), "webhook"
    )
    assert f"Lambda function 'webhook' environment variable {name} " in message
    assert what in message
    assert "keep the value in Secrets Manager and pass its ARN instead" in message
    assert value not in message, "the message must not echo the secret into CI logs"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STRIPE_API_KEY_SECRET_ARN", SECRET_ARN),
        ("DB_PASSWORD_PARAM", "/api-sales/dev/db-password"),
        ("API_TOKEN_SECRET_NAME", "api-sales/dev/upstream-token-9f86d081884c7d659a2f"),
        ("UPSTREAM_API_KEY", "arn:aws:ssm:ap-northeast-1:123456789012:parameter/api-key"),
        ("OAUTH_TOKEN_URL", "https://auth.example.com/oauth2/token?client=9f86d0818"),
        ("SECRET_CACHE_TTL", "300"),
        ("PUBLISHABLE_KEY", "pk_live_51Hx0aBcDeFgHiJkLmNoPqRsT"),
        ("ALLOW_LOOPBACK_IMAP", "false"),
    ],
)
def test_references_and_harmless_values_pass(name: str, value: str) -> None:
    assert secret_value_problem(name, value) is None


@given(
    prefix=st.sampled_from(["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"]),
    body=st.text(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=99
    ),
    name=st.from_regex(r"[A-Z][A-Z0-9_]{0,30}", fullmatch=True),
)
def test_stripe_secrets_are_caught_under_any_name(prefix: str, body: str, name: str) -> None:
    assert secret_value_problem(name, prefix + body) is not None


@given(
    name=st.sampled_from(
        ["STRIPE_API_KEY_SECRET_ARN", "WEBHOOK_SECRET_ARN", "DB_PASSWORD", "API_KEY", "TOKEN"]
    ),
    suffix=st.from_regex(r"[A-Za-z0-9/_+=.@-]{1,60}", fullmatch=True),
)
def test_secrets_manager_and_ssm_arns_are_always_fine(name: str, suffix: str) -> None:
    arn = f"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:{suffix}"
    assert secret_value_problem(name, arn) is None
    assert secret_value_problem(name, f"arn:aws:ssm:ap-northeast-1:1:parameter/{suffix}") is None


@pytest.mark.parametrize("runtime", sorted(SUPPORTED_PYTHON_RUNTIMES))
def test_supported_python_runtimes_pass(runtime: str) -> None:
    props = {**WEBHOOK_FUNCTION, "runtime": runtime}
    assert violations(LAMBDA_SUPPORTED_PYTHON, LAMBDA_FUNCTION, props) == []


def test_supported_runtimes_are_those_of_2026_11() -> None:
    assert (
        frozenset({"python3.11", "python3.12", "python3.13", "python3.14"})
        == SUPPORTED_PYTHON_RUNTIMES
    )


@pytest.mark.parametrize(
    "runtime", ["python3.10", "python3.9", "python3.8", "python2.7", "nodejs22.x", None]
)
def test_deprecated_or_foreign_runtimes_are_rejected(runtime: str | None) -> None:
    props = {k: v for k, v in {**WEBHOOK_FUNCTION, "runtime": runtime}.items() if v is not None}
    [message] = violations(LAMBDA_SUPPORTED_PYTHON, LAMBDA_FUNCTION, props, "webhook")
    assert f"Lambda function 'webhook' uses runtime {runtime!r}" in message
    assert "set runtime to one of python3.11, python3.12, python3.13, python3.14" in message


def test_container_image_functions_have_no_runtime_to_check() -> None:
    props = {
        "packageType": "Image",
        "imageUri": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/x:1",
    }
    assert violations(LAMBDA_SUPPORTED_PYTHON, LAMBDA_FUNCTION, props) == []
