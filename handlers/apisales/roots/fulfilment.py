"""The fulfilment rule and the identity attributes it keeps in step with the plan: the
functions that apply what Stripe says (billing, webhook, sweep), each with its own Stripe."""

from __future__ import annotations

from apisales import settings
from apisales.dependency import Dependency
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ports import IdentityAttributes, SubscriptionSource
from apisales.roots.keys import key_service, users


def _cognito_attributes() -> IdentityAttributes:
    from apisales.adapters.cognito_attributes import CognitoAttributes

    return CognitoAttributes(settings.env("USER_POOL_ID"))


identity = Dependency(_cognito_attributes)


def fulfilment_with(stripe: SubscriptionSource) -> Fulfilment:
    """Fulfilment reading the customer's subscriptions from ``stripe``."""
    return Fulfilment(
        users=users(),
        key_service=key_service(),
        identity=identity(),
        stripe=stripe,
        catalog=settings.plan_catalog(),
        grace_on_past_due=settings.grace_on_past_due,
    )
