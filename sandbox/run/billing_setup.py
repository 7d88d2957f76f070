"""Keep the Stripe double's webhook endpoints to the deployed stack's own.

The program creates the catalogue, portal configuration and endpoint in the double, and
stores the endpoint's signing secret itself (sandbox/deploy/stripe.py). What is left is the
sandbox's own housekeeping: the double's state outlives a run, so an endpoint from an
earlier deploy (perhaps to another ministack port) must stop receiving events, and on
resume the stack's endpoint follows the API to its new URL, as `pulumi up` would update it.
"""

from __future__ import annotations

from sandbox.deploy.deploy import DeployedStack, DeployError
from sandbox.stripe_double import StripeDouble


def reconcile_webhook_endpoints(double: StripeDouble, stack: DeployedStack) -> list[str]:
    """Point the stack's endpoint at its webhook URL; delete every other endpoint. Returns
    the ids deleted. Raises :class:`DeployError` if the double lost the stack's endpoint
    (its signing secret is gone with it): deploy fresh."""
    with double.store.transaction():
        own = double.store.get(stack.stripe_webhook_endpoint_id, "webhook_endpoint")
        if own is None:
            raise DeployError(
                f"the Stripe double no longer holds the stack's webhook endpoint "
                f"{stack.stripe_webhook_endpoint_id!r}; deploy fresh"
            )
        own["url"] = stack.webhook_url
        stale = [e["id"] for e in double.store.all("webhook_endpoint") if e["id"] != own["id"]]
        for endpoint_id in stale:
            double.store.delete(endpoint_id)
    return stale
