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
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from apisales import settings
from apisales.adapters import aws
from apisales.domain.account_deletion import AccountDeletion
from apisales.domain.api_key import KeyService
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership
from apisales.domain.ports import (
    Addresses,
    ApiKeys,
    Billing,
    CheckoutSessions,
    IdentityAttributes,
    Mailer,
    ProcessedEvents,
    QuotaMailMarks,
    UsageMeter,
    UserDirectory,
    UserStore,
)

if TYPE_CHECKING:  # the sweep's rules load only in the sweep function
    from apisales.domain.sweep import Sweep, SweepLedger, SweepSource, UserWalk

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


def _apigw_usage() -> UsageMeter:
    from apisales.adapters.apigw_usage import ApiGatewayUsage

    return ApiGatewayUsage()


def _utc_clock() -> Callable[[], datetime]:
    return lambda: datetime.now(UTC)


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


def _dynamo_quota_mail_marks() -> QuotaMailMarks:
    from apisales.adapters.quota_mail_aws import DynamoQuotaMailMarks

    return DynamoQuotaMailMarks(settings.env("USERS_TABLE"))


def _cognito_addresses() -> Addresses:
    from apisales.adapters.quota_mail_aws import CognitoAddresses

    return CognitoAddresses(settings.env("USER_POOL_ID"))


def _cognito_users() -> UserDirectory:
    from apisales.adapters.cognito_users import CognitoUsers

    return CognitoUsers(settings.env("USER_POOL_ID"))


def _ses_mailer() -> Mailer:
    from apisales.adapters.quota_mail_aws import SesMailer

    return SesMailer()


_users = Dependency(_dynamo_users)
_api_keys = Dependency(_apigw_keys)
_identity = Dependency(_cognito_attributes)
_events = Dependency(_dynamo_events)
_sessions = Dependency(_dynamo_sessions)
_stripe_billing = Dependency(_stripe)
# Not kept here: Powertools caches it for 5 minutes, so a rotated secret is picked up.
_webhook_secret = Dependency(_secret_manager_webhook_secret, cached=False)
_usage = Dependency(_apigw_usage)
_clock = Dependency(_utc_clock)
_sweep_stripe = Dependency(_rate_limited_stripe)
_sweep_users = Dependency(_dynamo_user_walk)
_sweep_ledger = Dependency(_dynamo_sweep_ledger)
_quota_mail_marks = Dependency(_dynamo_quota_mail_marks)
_addresses = Dependency(_cognito_addresses)
_mailer = Dependency(_ses_mailer)
_directory = Dependency(_cognito_users)
_ALL: tuple[Dependency[Any], ...] = (
    _users, _api_keys, _identity, _events, _sessions, _stripe_billing, _webhook_secret,
    _usage, _clock, _sweep_stripe, _sweep_users, _sweep_ledger, _quota_mail_marks,
    _addresses, _mailer, _directory)


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


def usage() -> UsageMeter:
    return _usage()


def now() -> datetime:
    """The current time (UTC); tests pin it with ``override(clock=lambda: ...)``."""
    return _clock()()


def quota_mail_marks() -> QuotaMailMarks:
    return _quota_mail_marks()


def addresses() -> Addresses:
    return _addresses()


def directory() -> UserDirectory:
    return _directory()


def mailer() -> Mailer:
    return _mailer()


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


def sweep(time_left: Callable[[], float] | None = None) -> Sweep:
    """The reconciliation sweep, with Stripe behind the client-side rate limit."""
    from apisales.domain.sweep import Sweep, SweepSettings

    stripe = _sweep_stripe()
    fulfil = Fulfilment(
        users=users(), key_service=key_service(), identity=identity(), stripe=stripe.billing,
        catalog=settings.plan_catalog(), grace_on_past_due=settings.grace_on_past_due,
    )  # fmt: skip
    sweep = Sweep(
        source=stripe.source,
        users=_sweep_users(),
        ledger=_sweep_ledger(),
        # The sweep judges customers only (owner_of_customer): no session is ever asked for.
        ownership=Ownership(users=users(), sessions=_NoSessions()),
        fulfilment=fulfil,
        key_service=fulfil.key_service,
        catalog=settings.plan_catalog(),
        settings=SweepSettings(concurrency=settings.sweep_concurrency()),
    )
    if time_left is not None:
        sweep.time_left = time_left
    return sweep


class _NoSessions:
    def owner_of(self, session_id: str) -> str | None:
        raise AssertionError("the sweep judges customers, never Checkout Sessions")


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
    usage: UsageMeter | None = None,
    clock: Callable[[], datetime] | None = None,
    sweep_stripe: SweepStripe | None = None,
    sweep_users: UserWalk | None = None,
    sweep_ledger: SweepLedger | None = None,
    quota_mail_marks: QuotaMailMarks | None = None,
    addresses: Addresses | None = None,
    mailer: Mailer | None = None,
    directory: UserDirectory | None = None,
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
    if usage is not None:
        _usage.override(usage)
    if clock is not None:
        _clock.override(clock)
    if sweep_stripe is not None:
        _sweep_stripe.override(sweep_stripe)
    if sweep_users is not None:
        _sweep_users.override(sweep_users)
    if sweep_ledger is not None:
        _sweep_ledger.override(sweep_ledger)
    if quota_mail_marks is not None:
        _quota_mail_marks.override(quota_mail_marks)
    if addresses is not None:
        _addresses.override(addresses)
    if mailer is not None:
        _mailer.override(mailer)
    if directory is not None:
        _directory.override(directory)


def reset() -> None:
    """Drop built adapters and overrides (tests point at a fresh emulator)."""
    for dependency in _ALL:
        dependency.reset()
    settings.reset()
    aws.reset()
    from apisales.adapters import secrets

    secrets.reset()
