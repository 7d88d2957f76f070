"""A Stripe object as the rules see it: its kind, id and whose it says it is."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ObjectKind(StrEnum):
    CHECKOUT_SESSION = "checkout.session"
    SUBSCRIPTION = "subscription"
    INVOICE = "invoice"


@dataclass(frozen=True)
class BillingObject:
    """The identity facts of one Stripe object (what an adapter made of Stripe's payload)."""

    kind: ObjectKind
    id: str
    customer_id: str | None
    user_id: str | None = None  # a Checkout Session's client_reference_id
    subscription_id: str | None = None  # the subscription it is, or belongs to
    mode: str | None = None  # Checkout Session only
    status: str | None = None
    payment_status: str | None = None  # Checkout Session only
    # Identity fields the payload stated twice with different values (left None above).
    ambiguous: tuple[str, ...] = ()

    @property
    def is_completed_subscription_checkout(self) -> bool:
        return (self.kind is ObjectKind.CHECKOUT_SESSION and self.mode == "subscription"
                and self.status == "complete")
