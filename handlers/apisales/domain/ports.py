"""What the domain needs from the outside world; adapters implement these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from apisales.domain.billing_object import BillingObject
from apisales.domain.entitlements import Plan, SubscriptionSnapshot
from apisales.domain.users import UserRecord


class UserStore(Protocol):
    def get(self, user_id: str) -> UserRecord | None: ...

    def record_subscription(
        self, user_id: str, customer_id: str | None, sub: SubscriptionSnapshot | None, plan: str
    ) -> None:
        """Upsert the user's Stripe facts and entitled plan.

        Raises :class:`~apisales.domain.errors.CustomerConflict` (writing nothing) when the
        record is bound to a customer other than ``customer_id``.
        """

    def claim_key_issue(self, user_id: str, token: str, now: int, ttl: int) -> bool:
        """Take the right to create the user's key; False if a key exists or someone holds it."""

    def release_key_claim(self, user_id: str, token: str) -> None:
        """Give up our claim (only if it is still ours)."""

    def set_api_key(self, user_id: str, key_id: str, *, claim_token: str | None = None,
                    replaces: str | None = None) -> bool:
        """Store ``key_id``: under our claim, or in place of ``replaces``. False if we lost."""

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None: ...


class CustomerOwners(Protocol):
    """The users table as the ownership rule reads it."""

    def get(self, user_id: str) -> UserRecord | None: ...

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        """The users whose record is bound to ``customer_id`` (at most two: one is the rule)."""


class SessionOwners(Protocol):
    def owner_of(self, session_id: str) -> str | None:
        """The user we recorded a Checkout Session for at checkout; None if never recorded."""


class ApiKeys(Protocol):
    def create(self, name: str) -> str:
        """Create an enabled key; returns its id."""

    def find_by_name(self, name: str) -> str | None: ...

    def ids_named(self, name: str) -> list[str]:
        """Every key carrying exactly ``name`` (a crashed issue may have left a second one)."""

    def put_on_plan(self, key_id: str, plan: Plan, all_plans: Sequence[Plan]) -> None:
        """Leave the key in ``plan`` only; tolerate it being there already / not elsewhere."""

    def delete(self, key_id: str, all_plans: Sequence[Plan]) -> None:
        """Take the key out of every plan, then delete it; tolerate it being gone."""

    def value(self, key_id: str) -> str: ...


class IdentityAttributes(Protocol):
    def set_plan(self, user_id: str, plan: str, customer_id: str | None) -> None:
        """Set ``custom:plan_type`` (and ``custom:stripe_customer_id`` when known)."""


class SubscriptionSource(Protocol):
    def subscriptions_of(self, customer_id: str) -> list[SubscriptionSnapshot]:
        """Every subscription of the customer, as Stripe reports them now."""


class BillingObjects(Protocol):
    """Stripe's own objects, retrieved with the secret key; None when Stripe has no such id."""

    def retrieve_checkout_session(self, session_id: str) -> BillingObject | None: ...

    def retrieve_subscription(self, subscription_id: str) -> BillingObject | None: ...

    def retrieve_invoice(self, invoice_id: str) -> BillingObject | None: ...


class AccountRecords(Protocol):
    """The users table as account deletion writes it."""

    def mark_deleting(self, user_id: str, now: int) -> UserRecord:
        """Set ``deleting_at`` (kept if already set; the item is created if absent); the record
        after the write. From then on no key claim, key store, customer binding or
        subscription write succeeds for the user."""

    def write_tombstone(self, user_id: str, now: int) -> None:
        """Replace the item with ``{user_id, deleting_at, deleted_at}`` (every other fact goes)."""


class BillingClosure(Protocol):
    """Stripe, for a customer whose account is deleted."""

    def expire_open_checkout_sessions(self, customer_id: str) -> int: ...

    def cancel_subscriptions(self, customer_id: str) -> int:
        """Cancel every not-yet-ended subscription of the customer now; how many were."""


class UserDirectory(Protocol):
    def delete_user(self, user_id: str) -> None:
        """Delete the Cognito user; tolerate it being gone already."""
