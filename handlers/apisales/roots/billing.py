"""The billing function's composition root: Stripe, the Checkout Session records and the
ownership rule (shared with the webhook), fulfilment, and account deletion."""

from __future__ import annotations

from apisales import settings
from apisales.adapters import aws
from apisales.dependency import Dependency
from apisales.domain.account_deletion import AccountDeletion
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ports import UserDirectory
from apisales.roots.fulfilment import fulfilment_with, identity
from apisales.roots.keys import api_keys, key_service, users
from apisales.roots.payments import checkout_sessions, ownership, stripe_billing

__all__ = [
    "account_deletion", "api_keys", "checkout_sessions", "create_clients", "directory",
    "fulfilment", "identity", "key_service", "ownership", "stripe_billing", "users",
]  # fmt: skip

# What the adapters above call; the function's role allows exactly these (infra/functions.py).
SERVICES = ("dynamodb", "apigateway", "secretsmanager", "cognito-idp")


def _cognito_users() -> UserDirectory:
    from apisales.adapters.cognito_users import CognitoUsers

    return CognitoUsers(settings.env("USER_POOL_ID"))


directory = Dependency(_cognito_users)


def fulfilment() -> Fulfilment:
    return fulfilment_with(stripe_billing())


def account_deletion() -> AccountDeletion:
    return AccountDeletion(
        records=users(),
        keys=api_keys(),
        billing=stripe_billing,  # built on use: no Stripe for a user without a customer
        directory=directory(),
        catalog=settings.plan_catalog(),
        scope=settings.env("USERS_TABLE"),
    )


def create_clients() -> None:
    """Make the boto3 clients of :data:`SERVICES` now (the route module, at import)."""
    aws.create_clients(SERVICES)
