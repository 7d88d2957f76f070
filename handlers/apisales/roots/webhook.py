"""The webhook function's composition root: the signing secret, the processed-event records,
Stripe, the Checkout Session records and the ownership rule (shared with billing), and
fulfilment."""

from __future__ import annotations

from apisales import settings
from apisales.adapters import aws
from apisales.dependency import Dependency
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ports import ProcessedEvents
from apisales.roots.fulfilment import fulfilment_with
from apisales.roots.payments import checkout_sessions, ownership, stripe_billing

__all__ = [
    "checkout_sessions", "fulfilment", "initialise", "ownership", "processed_events",
    "stripe_billing", "webhook_secret",
]  # fmt: skip

# What this root's adapters call; the function's role allows exactly these (infra/functions.py).
SERVICES = ("dynamodb", "apigateway", "secretsmanager", "cognito-idp")


def initialise() -> None:
    """Load this root's adapter modules and make its clients (:mod:`apisales.roots`)."""
    from apisales.adapters import (  # noqa: F401 - loaded, not used here
        apigw_keys,
        cognito_attributes,
        dynamo_records,
        dynamo_users,
        secrets,
        stripe_billing,
    )

    aws.create_clients(SERVICES)


def _secret_manager_webhook_secret() -> str:
    from apisales.adapters.secrets import secret

    return secret(settings.env("STRIPE_WEBHOOK_SECRET_ARN"))


def _dynamo_events() -> ProcessedEvents:
    from apisales.adapters import dynamo_records

    return dynamo_records.ProcessedEvents(settings.env("STRIPE_EVENTS_TABLE"))


# Not kept here: Powertools caches it for 5 minutes, so a rotated secret is picked up.
webhook_secret = Dependency(_secret_manager_webhook_secret, cached=False)
processed_events = Dependency(_dynamo_events)


def fulfilment() -> Fulfilment:
    return fulfilment_with(stripe_billing())
