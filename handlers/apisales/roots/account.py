"""The account function's composition root: the user records, the API keys and the key
rule, API Gateway's usage figures, and the clock. No Stripe, no fulfilment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from apisales.adapters import aws
from apisales.dependency import Dependency
from apisales.roots.keys import api_keys, key_service, users
from apisales.roots.usage import usage

__all__ = ["api_keys", "clock", "initialise", "key_service", "now", "usage", "users"]

# What this root's adapters call; the function's role allows exactly these (infra/functions.py).
SERVICES = ("dynamodb", "apigateway")


def initialise() -> None:
    """Load this root's adapter modules and make its clients (:mod:`apisales.roots`)."""
    from apisales.adapters import (  # noqa: F401 - loaded, not used here
        apigw_keys,
        apigw_usage,
        dynamo_users,
    )

    aws.create_clients(SERVICES)


def _utc_clock() -> Callable[[], datetime]:
    return lambda: datetime.now(UTC)


clock = Dependency(_utc_clock)


def now() -> datetime:
    """The current time (UTC); tests pin it with ``container.override(clock=lambda: ...)``."""
    return clock()()
