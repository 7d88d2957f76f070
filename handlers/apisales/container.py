"""The adapters each route uses, built once per container on first use.

Stripe is imported only when a billing or webhook route asks for it, so the account function
never pays for ``import stripe``. The boto3 clients are made earlier, at import of the route
module (:func:`create_clients`), so Lambda's init phase pays for them. Tests swap any
dependency with :func:`override`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from apisales import settings
from apisales.adapters import aws
from apisales.domain.account_deletion import AccountDeletion
from apisales.domain.api_key import KeyService
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership

_built: dict[str, Any] = {}
_overrides: dict[str, Any] = {}


def _get(name: str, build: Any) -> Any:
    if name in _overrides:
        return _overrides[name]
    if name not in _built:
        _built[name] = build()
    return _built[name]


def users() -> Any:
    from apisales.adapters.dynamo_users import DynamoUserStore

    return _get("users", lambda: DynamoUserStore(settings.env("USERS_TABLE")))


def api_keys() -> Any:
    from apisales.adapters.apigw_keys import ApiGatewayKeys

    return _get("api_keys", ApiGatewayKeys)


def usage() -> Any:
    from apisales.adapters.apigw_usage import ApiGatewayUsage

    return _get("usage", ApiGatewayUsage)


def now() -> datetime:
    """The current time (UTC); tests pin it with ``override(clock=lambda: ...)``."""
    clock = _overrides.get("clock")
    return clock() if clock else datetime.now(UTC)


def identity() -> Any:
    from apisales.adapters.cognito_attributes import CognitoAttributes

    return _get("identity", lambda: CognitoAttributes(settings.env("USER_POOL_ID")))


def directory() -> Any:
    from apisales.adapters.cognito_users import CognitoUsers

    return _get("directory", lambda: CognitoUsers(settings.env("USER_POOL_ID")))


def processed_events() -> Any:
    from apisales.adapters.dynamo_records import ProcessedEvents

    return _get("events", lambda: ProcessedEvents(settings.env("STRIPE_EVENTS_TABLE")))


def checkout_sessions() -> Any:
    from apisales.adapters.dynamo_records import CheckoutSessions

    return _get("sessions", lambda: CheckoutSessions(settings.env("CHECKOUT_SESSIONS_TABLE")))


def stripe_billing() -> Any:
    def build() -> Any:
        from apisales.adapters.secrets import secret
        from apisales.adapters.stripe_billing import StripeBilling

        key = secret(settings.env("STRIPE_API_KEY_SECRET_ARN"))
        return StripeBilling(key, os.environ.get("STRIPE_API_BASE") or None)

    return _get("stripe", build)


def webhook_secret() -> str:
    from apisales.adapters.secrets import secret

    if "webhook_secret" in _overrides:
        return _overrides["webhook_secret"]
    # Not memoised here: Powertools caches it for 5 minutes, so a rotated secret is picked up.
    return secret(settings.env("STRIPE_WEBHOOK_SECRET_ARN"))


def key_service() -> KeyService:
    return KeyService(users(), api_keys(), settings.plan_catalog(), settings.env("USERS_TABLE"))


def fulfilment() -> Fulfilment:
    return Fulfilment(
        users=users(),
        key_service=key_service(),
        identity=identity(),
        stripe=stripe_billing(),
        catalog=settings.plan_catalog(),
        grace_on_past_due=settings.grace_on_past_due,
    )


def account_deletion() -> AccountDeletion:
    return AccountDeletion(
        records=users(),
        keys=api_keys(),
        billing=stripe_billing,
        directory=directory(),
        catalog=settings.plan_catalog(),
        scope=settings.env("USERS_TABLE"),
    )


def ownership() -> Ownership:
    return Ownership(users=users(), sessions=checkout_sessions())


def sweep(time_left: Any = None) -> Any:
    """The reconciliation sweep, with Stripe behind the client-side rate limit."""
    from apisales.adapters.dynamo_sweep import DynamoSweepLedger, DynamoUserWalk
    from apisales.adapters.rate_limit import RateLimitedHttpClient, TokenBucket
    from apisales.adapters.secrets import secret
    from apisales.adapters.stripe_billing import StripeBilling
    from apisales.adapters.stripe_sweep import StripeSweepSource
    from apisales.domain.sweep import Sweep, SweepSettings

    def build_stripe() -> Any:
        bucket = TokenBucket(settings.sweep_stripe_reads_per_second())
        http = RateLimitedHttpClient(bucket, timeout=(3.0, 8.0))
        key = secret(settings.env("STRIPE_API_KEY_SECRET_ARN"))
        return StripeBilling(key, os.environ.get("STRIPE_API_BASE") or None, http_client=http)

    billing = _get("sweep_stripe", build_stripe)
    source = _get("sweep_source", lambda: StripeSweepSource(billing.client))
    users_table = settings.env("USERS_TABLE")
    fulfil = Fulfilment(
        users=users(), key_service=key_service(), identity=identity(), stripe=billing,
        catalog=settings.plan_catalog(), grace_on_past_due=settings.grace_on_past_due,
    )  # fmt: skip
    extra = {"time_left": time_left} if time_left is not None else {}
    return Sweep(
        source=source,
        users=_get("sweep_users", lambda: DynamoUserWalk(
            users_table, settings.plan_catalog().default_plan)),
        ledger=_get("sweep_ledger",
                    lambda: DynamoSweepLedger(settings.env("SWEEP_STATE_TABLE"))),
        # The sweep judges customers only (owner_of_customer): no session is ever asked for.
        ownership=Ownership(users=users(), sessions=_NoSessions()),
        fulfilment=fulfil,
        key_service=fulfil.key_service,
        catalog=settings.plan_catalog(),
        settings=SweepSettings(concurrency=settings.sweep_concurrency()),
        **extra,
    )


class _NoSessions:
    def owner_of(self, session_id: str) -> str | None:
        raise AssertionError("the sweep judges customers, never Checkout Sessions")


def create_clients(services: Iterable[str]) -> None:
    """Make the boto3 clients of ``services`` (those the function's role allows) now."""
    aws.create_clients(services)


def override(**deps: Any) -> None:
    _overrides.update(deps)


def reset() -> None:
    """Drop built adapters and overrides (tests point at a fresh emulator)."""
    _built.clear()
    _overrides.clear()
    settings.reset()
    aws.reset()
    from apisales.adapters import secrets

    secrets.reset()
