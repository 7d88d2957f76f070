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
    "account_deletion", "api_keys", "checkout_sessions", "directory", "fulfilment", "identity",
    "initialise", "key_service", "ownership", "stripe_billing", "users",
]  # fmt: skip

# What this root's adapters call; the function's role allows exactly these (infra/functions.py).
SERVICES = ("dynamodb", "apigateway", "secretsmanager", "cognito-idp")


def initialise() -> None:
    """Load this root's adapter modules and make its clients (:mod:`apisales.roots`)."""
    from apisales.adapters import (  # noqa: F401 - loaded, not used here
        apigw_keys,
        cognito_attributes,
        cognito_users,
        dynamo_records,
        dynamo_users,
        secrets,
        stripe_billing,
    )

    aws.create_clients(SERVICES)


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
