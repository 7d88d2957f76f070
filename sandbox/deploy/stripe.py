"""The Stripe side of the program, created in the Stripe double with the official SDK.

What `pulumi-stripe` would do against Stripe, through the same API calls: the provider's
API key selects the account; products, prices, the portal configuration and the webhook
endpoint are created as declared and answer with their real ids, and the endpoint with the
signing secret Stripe returns only on creation (the program stores it in Secrets Manager).
"""

from __future__ import annotations

from typing import Any

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import snake_keys, unwrap

Created = tuple[str, dict]


def provider(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.use_stripe_key(str(unwrap(inputs["apiKey"])))
    return f"{name}-stripe-provider", {}


def product(ctx: DeployContext, name: str, inputs: dict) -> Created:
    params = snake_keys(inputs)
    if params.get("marketing_features"):
        params["marketing_features"] = [{"name": f} for f in params["marketing_features"]]
    created = ctx.stripe_client().v1.products.create(params=params)
    return created["id"], {"active": created["active"]}


def price(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.stripe_client().v1.prices.create(params=snake_keys(inputs))
    return created["id"], {"type": created["type"], "active": created["active"]}


def portal_configuration(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.stripe_client().v1.billing_portal.configurations.create(
        params=snake_keys(inputs)
    )
    return created["id"], {"isDefault": created["is_default"]}


def webhook_endpoint(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created: Any = ctx.stripe_client().v1.webhook_endpoints.create(params=snake_keys(inputs))
    # Stripe shows the signing secret in this response only.
    return created["id"], {"secret": created["secret"], "application": None}
