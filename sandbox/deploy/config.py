"""The sandbox's own stack config: the dev stack's plans, local URLs, no protection."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sandbox.program_runner import NAMESPACE, PROJECT_ROOT, SECRET_KEYS, stack_config

__all__ = ["NAMESPACE", "SECRET_KEYS", "dev_stack_config", "sandbox_config"]
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
    the functions call). ``free_quota`` (limit, period) replaces the default plan's quota
    so that tests reach 429 in a few calls. ``overrides`` keys may omit ``api-sales:``.
    """
    config = copy.deepcopy(dev_stack_config())
    config.update({
        f"{NAMESPACE}:webBaseUrl": web_base_url,
        f"{NAMESPACE}:allowLoopbackImap": "true",
        # ministack's reset wipes everything anyway; protection only gets in the way here.
        f"{NAMESPACE}:protectStatefulResources": "false",
        f"{NAMESPACE}:stripeSecretKey": stripe_secret_key,
    })  # fmt: skip
    if stripe_api_base:
        config[f"{NAMESPACE}:stripeApiBase"] = stripe_api_base
    if free_quota:
        default_plan = config.get(f"{NAMESPACE}:defaultPlan", "FREE")
        for plan in config[f"{NAMESPACE}:plans"]:
            if plan["name"] == default_plan:
                plan["quota"] = {"limit": free_quota[0], "period": free_quota[1]}
    for key, value in (overrides or {}).items():
        config[key if ":" in key else f"{NAMESPACE}:{key}"] = value
    return config
