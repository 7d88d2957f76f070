"""The sweep function's composition root: Stripe behind the sweep's own rate limit, the
users walk and the sweep's ledger, and the sweep's rules over them."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

from apisales import settings
from apisales.adapters import aws
from apisales.dependency import Dependency
from apisales.domain.ownership import Ownership
from apisales.domain.ports import Billing
from apisales.domain.sweep import Sweep, SweepLedger, SweepSettings, SweepSource, UserWalk
from apisales.roots.fulfilment import fulfilment_with
from apisales.roots.keys import users

# What this root's adapters call; the function's role allows exactly these (infra/functions.py).
SERVICES = ("dynamodb", "apigateway", "secretsmanager", "cognito-idp")


def initialise() -> None:
    """Load this root's adapter modules and make its clients (:mod:`apisales.roots`)."""
    from apisales.adapters import (  # noqa: F401 - loaded, not used here
        apigw_keys,
        cognito_attributes,
        dynamo_sweep,
        dynamo_users,
        rate_limit,
        secrets,
        stripe_billing,
        stripe_sweep,
    )

    aws.create_clients(SERVICES)


class SweepStripe(NamedTuple):
    """Stripe for the sweep: one client behind the client-side rate limit, two ports."""

    billing: Billing
    source: SweepSource


def _rate_limited_stripe() -> SweepStripe:
    from apisales.adapters.rate_limit import RateLimitedHttpClient, TokenBucket
    from apisales.adapters.secrets import secret
    from apisales.adapters.stripe_billing import StripeBilling
    from apisales.adapters.stripe_sweep import StripeSweepSource

    bucket = TokenBucket(settings.sweep_stripe_reads_per_second())
    http = RateLimitedHttpClient(bucket, timeout=(3.0, 8.0))
    key = secret(settings.env("STRIPE_API_KEY_SECRET_ARN"))
    billing = StripeBilling(key, os.environ.get("STRIPE_API_BASE") or None, http_client=http)
    return SweepStripe(billing, StripeSweepSource(billing.client))


def _dynamo_user_walk() -> UserWalk:
    from apisales.adapters.dynamo_sweep import DynamoUserWalk

    return DynamoUserWalk(settings.env("USERS_TABLE"), settings.plan_catalog().default_plan)


def _dynamo_sweep_ledger() -> SweepLedger:
    from apisales.adapters.dynamo_sweep import DynamoSweepLedger

    return DynamoSweepLedger(settings.env("SWEEP_STATE_TABLE"))


sweep_stripe = Dependency(_rate_limited_stripe)
sweep_users = Dependency(_dynamo_user_walk)
sweep_ledger = Dependency(_dynamo_sweep_ledger)


def sweep(time_left: Callable[[], float] | None = None) -> Sweep:
    """The reconciliation sweep, with Stripe behind the client-side rate limit."""
    stripe = sweep_stripe()
    fulfilment = fulfilment_with(stripe.billing)
    run = Sweep(
        source=stripe.source,
        users=sweep_users(),
        ledger=sweep_ledger(),
        # The sweep judges customers only (owner_of_customer): no session is ever asked for.
        ownership=Ownership(users=users(), sessions=_NoSessions()),
        fulfilment=fulfilment,
        key_service=fulfilment.key_service,
        catalog=settings.plan_catalog(),
        settings=SweepSettings(concurrency=settings.sweep_concurrency()),
    )
    if time_left is not None:
        run.time_left = time_left
    return run


class _NoSessions:
    def owner_of(self, session_id: str) -> str | None:
        raise AssertionError("the sweep judges customers, never Checkout Sessions")
