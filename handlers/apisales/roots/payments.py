"""What the billing and webhook functions share: Stripe (its secret key read from Secrets
Manager), the Checkout Session records, and the ownership rule over both."""

from __future__ import annotations

import os

from apisales import settings
from apisales.dependency import Dependency
from apisales.domain.ownership import Ownership
from apisales.domain.ports import Billing, CheckoutSessions
from apisales.roots.keys import users


def _stripe() -> Billing:
    from apisales.adapters.secrets import secret
    from apisales.adapters.stripe_billing import StripeBilling

    key = secret(settings.env("STRIPE_API_KEY_SECRET_ARN"))
    return StripeBilling(key, os.environ.get("STRIPE_API_BASE") or None)


def _dynamo_sessions() -> CheckoutSessions:
    from apisales.adapters import dynamo_records

    return dynamo_records.CheckoutSessions(settings.env("CHECKOUT_SESSIONS_TABLE"))


stripe_billing = Dependency(_stripe)
checkout_sessions = Dependency(_dynamo_sessions)


def ownership() -> Ownership:
    return Ownership(users=users(), sessions=checkout_sessions())
