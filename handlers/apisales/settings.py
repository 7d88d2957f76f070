"""Environment the stack sets on each function (see docs/architecture.md), read on first use."""

from __future__ import annotations

import functools
import os

from apisales.domain.entitlements import PlanCatalog


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


@functools.cache
def plan_catalog() -> PlanCatalog:
    return PlanCatalog.from_json(env("PLAN_CATALOG"))


def grace_on_past_due() -> bool:
    return os.environ.get("GRACE_ON_PAST_DUE", "false").strip().lower() in {"1", "true", "yes"}


def web_base_url() -> str:
    return env("WEB_BASE_URL").rstrip("/")


def portal_configuration() -> str:
    """The stack's Stripe customer-portal configuration (``bpc_...``): cancel at period end,
    payment-method update, invoice history, return URL (infra/stripe_catalog.py)."""
    return env("STRIPE_PORTAL_CONFIGURATION")


def sweep_stripe_reads_per_second() -> float:
    """The sweep's own budget of Stripe requests a second (infra: sweepStripeReadsPerSecond)."""
    return float(os.environ.get("SWEEP_STRIPE_READS_PER_SECOND") or 10)


def sweep_concurrency() -> int:
    return max(1, int(os.environ.get("SWEEP_CONCURRENCY") or 4))


def reset() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    plan_catalog.cache_clear()
