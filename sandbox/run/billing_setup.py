"""Wire the Stripe double to the deployed stack: the paid plans' prices, the webhook
endpoint, and both Stripe secrets in the stack's Secrets Manager entries."""

from __future__ import annotations

from typing import Any

from sandbox.deploy.config import NAMESPACE
from sandbox.deploy.deploy import DeployedStack, store_secret
from sandbox.stripe_double import StripeDouble


def seed_prices(double: StripeDouble, config: dict[str, Any]) -> list[dict[str, Any]]:
    """One product and recurring price per paid plan of the stack config (idempotent)."""
    prices = []
    for plan in config[f"{NAMESPACE}:plans"]:
        price = plan.get("price")
        if not price:
            continue
        prices.append(double.seed_price(
            lookup_key=price["lookupKey"], unit_amount=int(price["unitAmount"]),
            currency=price.get("currency", "jpy"), interval=price.get("interval", "month"),
            product_name=f"FM Mail {plan['name']}",
        ))  # fmt: skip
    return prices


def register_webhook(double: StripeDouble, stack: DeployedStack) -> str:
    """A fresh endpoint for the deployed webhook URL; older ones (a previous run's, maybe on
    another port) are removed so that no event goes to a dead URL. Returns its secret."""
    with double.store.lock:
        stale = [e["id"] for e in double.store.all("webhook_endpoint")]
    for endpoint_id in stale:
        with double.store.transaction():
            double.store.delete(endpoint_id)
    return double.add_webhook_endpoint(stack.webhook_url).secret


def store_stripe_secrets(stack: DeployedStack, api_key: str, webhook_secret: str) -> None:
    """What ``pulumi config set --secret`` + ``pulumi up`` would put in Secrets Manager."""
    store_secret(stack, "stripeSecretKey", api_key)
    store_secret(stack, "stripeWebhookSecret", webhook_secret)
