"""The composition root: each port's adapter, built once per container on first use.

Each dependency hands out its *port* type (``apisales.domain.ports``), so a route or a rule
can only call what the port declares (mypy checks it). Stripe is imported only when a
billing or webhook route asks for it, so the account function never pays for
``import stripe``. The boto3 clients are made earlier, at import of the route module
(:func:`create_clients`), so Lambda's init phase pays for them. Tests put in their own
implementation with :func:`override` (typed: a fake must satisfy the port).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from apisales import settings
from apisales.adapters import aws
from apisales.domain.api_key import KeyService
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership
from apisales.domain.ports import (
    ApiKeys,
    Billing,
    CheckoutSessions,
    IdentityAttributes,
    ProcessedEvents,
    UserStore,
)

T = TypeVar("T")


class Dependency(Generic[T]):
    """One port's implementation: built on first call and kept (``cached``), or overridden."""

    def __init__(self, build: Callable[[], T], *, cached: bool = True) -> None:
        self._build = build
        self._cached = cached
        self._value: T | None = None
        self._override: T | None = None

    def __call__(self) -> T:
        if self._override is not None:
            return self._override
        if not self._cached:
            return self._build()
        if self._value is None:
            self._value = self._build()
        return self._value

    def override(self, value: T | None) -> None:
        """Use ``value`` from now on (``None``: back to the built one)."""
        self._override = value

    def reset(self) -> None:
        self._value = None
        self._override = None


def _dynamo_users() -> UserStore:
    from apisales.adapters.dynamo_users import DynamoUserStore

    return DynamoUserStore(settings.env("USERS_TABLE"))


def _apigw_keys() -> ApiKeys:
    from apisales.adapters.apigw_keys import ApiGatewayKeys

    return ApiGatewayKeys()


def _cognito_attributes() -> IdentityAttributes:
    from apisales.adapters.cognito_attributes import CognitoAttributes

    return CognitoAttributes(settings.env("USER_POOL_ID"))


def _dynamo_events() -> ProcessedEvents:
    from apisales.adapters import dynamo_records

    return dynamo_records.ProcessedEvents(settings.env("STRIPE_EVENTS_TABLE"))


def _dynamo_sessions() -> CheckoutSessions:
    from apisales.adapters import dynamo_records

    return dynamo_records.CheckoutSessions(settings.env("CHECKOUT_SESSIONS_TABLE"))


def _stripe() -> Billing:
    from apisales.adapters.secrets import secret
    from apisales.adapters.stripe_billing import StripeBilling

    key = secret(settings.env("STRIPE_API_KEY_SECRET_ARN"))
    return StripeBilling(key, os.environ.get("STRIPE_API_BASE") or None)


def _secret_manager_webhook_secret() -> str:
    from apisales.adapters.secrets import secret

    return secret(settings.env("STRIPE_WEBHOOK_SECRET_ARN"))


_users = Dependency(_dynamo_users)
_api_keys = Dependency(_apigw_keys)
_identity = Dependency(_cognito_attributes)
_events = Dependency(_dynamo_events)
_sessions = Dependency(_dynamo_sessions)
_stripe_billing = Dependency(_stripe)
# Not kept here: Powertools caches it for 5 minutes, so a rotated secret is picked up.
_webhook_secret = Dependency(_secret_manager_webhook_secret, cached=False)
_ALL: tuple[Dependency[Any], ...] = (
    _users, _api_keys, _identity, _events, _sessions, _stripe_billing, _webhook_secret)


def users() -> UserStore:
    return _users()


def api_keys() -> ApiKeys:
    return _api_keys()


def identity() -> IdentityAttributes:
    return _identity()


def processed_events() -> ProcessedEvents:
    return _events()


def checkout_sessions() -> CheckoutSessions:
    return _sessions()


def stripe_billing() -> Billing:
    return _stripe_billing()


def webhook_secret() -> str:
    return _webhook_secret()


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


def ownership() -> Ownership:
    return Ownership(users=users(), sessions=checkout_sessions())


def create_clients(services: Iterable[str]) -> None:
    """Make the boto3 clients of ``services`` (those the function's role allows) now."""
    aws.create_clients(services)


def override(
    *,
    users: UserStore | None = None,
    api_keys: ApiKeys | None = None,
    identity: IdentityAttributes | None = None,
    events: ProcessedEvents | None = None,
    sessions: CheckoutSessions | None = None,
    stripe: Billing | None = None,
    webhook_secret: str | None = None,
) -> None:
    """Use these implementations from now on (tests); ports left out keep theirs."""
    if users is not None:
        _users.override(users)
    if api_keys is not None:
        _api_keys.override(api_keys)
    if identity is not None:
        _identity.override(identity)
    if events is not None:
        _events.override(events)
    if sessions is not None:
        _sessions.override(sessions)
    if stripe is not None:
        _stripe_billing.override(stripe)
    if webhook_secret is not None:
        _webhook_secret.override(webhook_secret)


def reset() -> None:
    """Drop built adapters and overrides (tests point at a fresh emulator)."""
    for dependency in _ALL:
        dependency.reset()
    settings.reset()
    aws.reset()
    from apisales.adapters import secrets

    secrets.reset()
