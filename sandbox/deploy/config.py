"""The sandbox's own stack config: the dev stack's plans, local URLs, no protection, and the
test-only switches of the sandbox overlay (``api-sales-sandbox:*``, infra/sandbox_overlay.py),
which the program takes only because every AWS endpoint is ministack's, on loopback."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from infra.sandbox_overlay import NAMESPACE as SANDBOX_NAMESPACE
from sandbox.program_runner import NAMESPACE, PROJECT_ROOT, SECRET_KEYS, stack_config

__all__ = ["NAMESPACE", "SANDBOX_NAMESPACE", "SECRET_KEYS", "dev_stack_config",
           "ministack_endpoints", "sandbox_config"]  # fmt: skip
# Every AWS service the program deploys to (the provider's aws:endpoints names).
EMULATED_SERVICES = (
    "apigateway", "cloudfront", "cloudwatch", "cloudwatchlogs", "cognitoidp", "dynamodb",
    "iam", "kms", "lambda", "s3", "scheduler", "secretsmanager", "sns", "sqs", "sts",
)  # fmt: skip
# Only ever valid against the Stripe double (a double accepts the key it was started with).
SANDBOX_STRIPE_SECRET_KEY = "sk_test_sandbox_0000000000000000000000"


def dev_stack_config(path: Path = PROJECT_ROOT / "Pulumi.dev.yaml") -> dict[str, Any]:
    """Pulumi.dev.yaml's config, full keys (``api-sales:plans``, ``aws:region``)."""
    return stack_config(path.name.removeprefix("Pulumi.").removesuffix(".yaml"), path.parent)


def sandbox_config(
    web_base_url: str,
    stripe_api_base: str | None = None,
    free_quota: tuple[int, str] | None = None,
    stripe_secret_key: str = SANDBOX_STRIPE_SECRET_KEY,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Config for :func:`sandbox.deploy.deploy.deploy_stack` (full keys, structured values).

    ``stripe_api_base`` is the Stripe double the program's Stripe side is deployed into (and
    the functions call: a sandbox overlay switch). ``free_quota`` (limit, period) replaces
    the default plan's quota so that tests reach 429 in a few calls. ``overrides`` keys may
    omit ``api-sales:``.
    """
    config = copy.deepcopy(dev_stack_config())
    config.update({
        f"{NAMESPACE}:webBaseUrl": web_base_url,
        # FM Mail's sandbox flag: the demo mailbox listens on 127.0.0.1.
        f"{SANDBOX_NAMESPACE}:allowLoopbackImap": "true",
        # ministack's reset wipes everything anyway; protection only gets in the way here.
        f"{NAMESPACE}:protectStatefulResources": "false",
        f"{NAMESPACE}:stripeSecretKey": stripe_secret_key,
    })  # fmt: skip
    if stripe_api_base:
        config[f"{SANDBOX_NAMESPACE}:stripeApiBase"] = stripe_api_base
    if free_quota:
        default_plan = config.get(f"{NAMESPACE}:defaultPlan", "FREE")
        for plan in config[f"{NAMESPACE}:plans"]:
            if plan["name"] == default_plan:
                plan["quota"] = {"limit": free_quota[0], "period": free_quota[1]}
    for key, value in (overrides or {}).items():
        config[key if ":" in key else f"{NAMESPACE}:{key}"] = value
    return config


def ministack_endpoints(endpoint_url: str) -> list[dict[str, str]]:
    """``aws:endpoints`` of a stack deployed into the ministack at ``endpoint_url``: what
    makes the program accept the sandbox overlay (every endpoint on loopback)."""
    return [{service: endpoint_url for service in EMULATED_SERVICES}]
