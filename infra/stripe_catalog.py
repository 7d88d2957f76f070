"""The Stripe side of the stack: one product and recurring price per paid plan, the customer
portal configuration, and the webhook endpoint whose signing secret the stack stores.

Everything goes through one explicit Stripe provider built from the ``stripeSecretKey``
config secret, so no resource falls back to a default provider reading other config.
See docs/stripe-as-code.md for why ``pulumi-stripe`` and what a price change does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_stripe as stripe

from infra.cancellation import CANCEL_MODE, PRORATION_BEHAVIOR
from infra.config import PlanConfig

# The API version the `stripe` SDK pinned in handlers/requirements/webhook.txt speaks: event
# payloads sent to the endpoint are rendered in it, so the handlers parse what they were
# written for.
# tests/infra/test_stripe_catalog.py fails when the SDK moves on without this.
STRIPE_API_VERSION = "2026-10-28.endive"

# Exactly the events the webhook function acts on (handlers' HANDLED_TYPES, checked by a
# test): Stripe sends nothing the function would only acknowledge and drop.
WEBHOOK_EVENTS: tuple[str, ...] = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.updated",
    "invoice.paid",
    "invoice.payment_failed",
)

# A Stripe price is immutable: any change to what it charges must create a new price (which
# takes the lookup key over) and archive the old one, never edit it in place.
PRICE_REPLACE_ON_CHANGES = ["product", "currency", "unitAmount", "recurring"]
# Stripe sets an endpoint's API version at creation only.
WEBHOOK_REPLACE_ON_CHANGES = ["apiVersion"]


@dataclass(frozen=True)
class StripeCatalogArgs:
    api_key: pulumi.Input[str]  # the seller's secret key (a Pulumi secret)
    plans: tuple[PlanConfig, ...]
    business_name: str  # product names and the portal's headline
    portal_return_url: pulumi.Input[str]  # where "Return to the site" leads
    webhook_url: pulumi.Input[str]  # the API's POST /stripe/webhook
    stack_name: str  # recorded in metadata: which stack owns an object in the dashboard


class StripeCatalog(pulumi.ComponentResource):
    provider: stripe.Provider
    products: dict[str, stripe.Product]  # plan name -> product (paid plans only)
    prices: dict[str, stripe.Price]
    portal: stripe.PortalConfiguration
    webhook: stripe.WebhookEndpoint
    portal_configuration_id: pulumi.Output[str]  # bpc_...: not a secret
    webhook_secret: pulumi.Output[str]  # whsec_...: a Pulumi secret

    def __init__(
        self, name: str, args: StripeCatalogArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("api-sales:stripe:StripeCatalog", name, None, opts)
        self.provider = stripe.Provider(
            f"{name}-provider",
            api_key=pulumi.Output.secret(args.api_key),
            opts=pulumi.ResourceOptions(parent=self),
        )
        managed = pulumi.ResourceOptions(parent=self, provider=self.provider)
        metadata = {"managed_by": "api-sales", "stack": args.stack_name}

        self.products, self.prices = {}, {}
        for plan in args.plans:
            if plan.price is None:
                continue
            product = stripe.Product(
                f"{name}-{plan.name.lower()}",
                name=f"{args.business_name} {plan.name}",
                marketing_features=list(plan.features) or None,
                metadata={**metadata, "plan": plan.name},
                opts=managed,
            )
            self.products[plan.name] = product
            self.prices[plan.name] = stripe.Price(
                f"{name}-{plan.name.lower()}",
                product=product.id,
                currency=plan.price.currency,
                unit_amount=plan.price.unit_amount,
                recurring={"interval": plan.price.interval},
                lookup_key=plan.price.lookup_key,
                # The replacement price takes the key from the one it replaces, atomically,
                # so checkout (which finds prices by lookup key) never sees a gap.
                transfer_lookup_key=True,
                nickname=plan.name,
                metadata={**metadata, "plan": plan.name},
                # Create the new price before archiving the old: subscriptions on the old
                # price keep their price; new checkouts get the new one.
                opts=pulumi.ResourceOptions.merge(
                    managed,
                    pulumi.ResourceOptions(
                        replace_on_changes=PRICE_REPLACE_ON_CHANGES, delete_before_replace=False
                    ),
                ),
            )

        self.portal = stripe.PortalConfiguration(
            f"{name}-portal",
            business_profile={"headline": f"{args.business_name}: manage your subscription"},
            default_return_url=args.portal_return_url,
            features={
                # Cancelling keeps what was paid for until the period ends; the console
                # says so from the same constants (infra/cancellation.py).
                "subscription_cancel": {
                    "enabled": True, "mode": CANCEL_MODE, "proration_behavior": PRORATION_BEHAVIOR,
                },
                "payment_method_update": {"enabled": True},
                "invoice_history": {"enabled": True},
            },  # fmt: skip
            metadata=metadata,
            opts=managed,
        )
        self.webhook = stripe.WebhookEndpoint(
            f"{name}-webhook",
            url=args.webhook_url,
            enabled_events=list(WEBHOOK_EVENTS),
            api_version=STRIPE_API_VERSION,
            description=f"api-sales {args.stack_name}: plan changes and payments",
            metadata=metadata,
            opts=pulumi.ResourceOptions.merge(
                managed, pulumi.ResourceOptions(replace_on_changes=WEBHOOK_REPLACE_ON_CHANGES)
            ),
        )
        self.portal_configuration_id = self.portal.id
        self.webhook_secret = pulumi.Output.secret(self.webhook.secret)
        self.register_outputs({
            "price_ids": {plan: price.id for plan, price in self.prices.items()},
            "portal_configuration_id": self.portal_configuration_id,
            "webhook_endpoint_id": self.webhook.id,
        })  # fmt: skip
