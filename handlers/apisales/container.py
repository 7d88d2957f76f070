"""Every port's :class:`~apisales.dependency.Dependency`, by name, for tests and tools.

The functions do not import this module: each route module imports its own composition root
(``apisales/roots/``), which builds only what that function calls, so no archive ships it.
Tests put in their own implementations with :func:`override` (typed: a fake must satisfy
the port), which reaches every function's root at once, and start afresh with :func:`reset`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from apisales import dependency, settings
from apisales.adapters import aws, secrets
from apisales.dependency import Dependency
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
from apisales.domain.sweep import SweepLedger, UserWalk
from apisales.roots import account, billing, fulfilment, keys, payments, quota_mail, sweep, webhook
from apisales.roots import usage as usage_figures
from apisales.roots.sweep import SweepStripe

__all__ = ["SweepStripe", "api_keys", "directory", "override", "reset", "stripe_billing",
           "users"]  # fmt: skip

T = TypeVar("T")

# The real implementations, for a test that wraps one (a failure injected into a real adapter).
users = keys.users
api_keys = keys.api_keys
stripe_billing = payments.stripe_billing
directory = billing.directory


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
    """Use these implementations from now on, in every function; ports left out keep theirs."""
    _use(keys.users, users)
    _use(keys.api_keys, api_keys)
    _use(fulfilment.identity, identity)
    _use(webhook.processed_events, events)
    _use(payments.checkout_sessions, sessions)
    _use(payments.stripe_billing, stripe)
    _use(webhook.webhook_secret, webhook_secret)
    _use(usage_figures.usage, usage)
    _use(account.clock, clock)
    _use(sweep.sweep_stripe, sweep_stripe)
    _use(sweep.sweep_users, sweep_users)
    _use(sweep.sweep_ledger, sweep_ledger)
    _use(quota_mail.quota_mail_marks, quota_mail_marks)
    _use(quota_mail.addresses, addresses)
    _use(quota_mail.mailer, mailer)
    _use(billing.directory, directory)


def _use(port: Dependency[T], value: T | None) -> None:
    if value is not None:
        port.override(value)


def reset() -> None:
    """Drop built adapters and overrides (tests point at a fresh emulator)."""
    dependency.reset_all()
    settings.reset()
    aws.reset()
    secrets.reset()
