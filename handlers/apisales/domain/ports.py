"""What the rules and routes need from the outside world; adapters implement these.

Every method a route or a rule calls is declared here (mypy checks it: the composition roots,
``apisales/roots/``, hand out these types, never an adapter's). Adapters live in
``apisales.adapters``; in-memory fakes of every port, held to the same contract tests, in
``tests/fakes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

# Named in annotations only (postponed): a function loads the types its own routes and
# rules use, not every type some port mentions (the account function never loads a
# Checkout record or a Stripe object's class; docs/cold-start.md).
if TYPE_CHECKING:
    from apisales.domain.billing_object import BillingObject
    from apisales.domain.checkout_record import CheckoutRecord
    from apisales.domain.entitlements import Plan, SubscriptionSnapshot
    from apisales.domain.portal import PortalFlow
    from apisales.domain.quota_mail import KeyedUser
    from apisales.domain.users import UserRecord


@dataclass(frozen=True)
class KeyDetails:
    """An API key as API Gateway reports it, value included."""

    id: str
    value: str
    enabled: bool


@dataclass(frozen=True)
class CheckoutLink:
    """A Checkout Session just created: its id and the hosted page to send the customer to."""

    id: str
    url: str


class CustomerOwners(Protocol):
    """The users table as the ownership rule reads it."""

    def get(self, user_id: str) -> UserRecord | None: ...

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        """The users whose record is bound to ``customer_id`` (at most two: one is the rule)."""


class UserStore(CustomerOwners, Protocol):
    """The users table: one record per user (docs/handlers.md, "Data written")."""

    def record_visit(self, user_id: str, language: str) -> bool:
        """Store the user's language and first visit; True only for the very first visit."""

    # Account deletion writes (AccountRecords, below, is the part the deletion rule needs).
    def mark_deleting(self, user_id: str, now: int) -> UserRecord: ...

    def write_tombstone(self, user_id: str, now: int) -> None: ...

    def bind_customer(self, user_id: str, customer_id: str) -> str:
        """Store the user's Stripe customer unless one is stored already; returns the stored one."""

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

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None:
        """Record the plan ``key_id`` was put on, if it is still the user's key."""


class SessionOwners(Protocol):
    def owner_of(self, session_id: str) -> str | None:
        """The user we recorded a Checkout Session for at checkout; None if never recorded."""


class CheckoutSessions(SessionOwners, Protocol):
    """The checkout sessions table: who started each Checkout, and whether it was fulfilled."""

    def record_created(self, session_id: str, user_id: str) -> None:
        """Record the owner once; never overwrites an existing record."""

    def get(self, session_id: str) -> CheckoutRecord | None: ...

    def mark_fulfilled(self, session_id: str, user_id: str) -> bool:
        """Status ``complete``, first fulfilment time kept; creates the record if it was lost.
        True for the first fulfilment only (of concurrent ones, exactly one)."""


class ProcessedEvents(Protocol):
    """The Stripe event ids whose effects were applied (duplicates are acknowledged)."""

    def is_processed(self, event_id: str) -> bool: ...

    def mark_processed(self, event_id: str, event_type: str) -> bool:
        """Record the event after its effects succeeded; False if it was recorded already."""


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

    def describe(self, key_id: str) -> KeyDetails: ...


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


class Billing(SubscriptionSource, BillingObjects, Protocol):
    """Stripe as the billing routes and the webhook use it (the secret key's side)."""

    def price_id(self, lookup_key: str) -> str:
        """The active price with ``lookup_key``; ``LookupError`` when there is none."""

    def create_customer(self, user_id: str, email: str | None) -> str:
        """A customer for ``user_id``: the same one for concurrent first calls (idempotent)."""

    def create_checkout_session(
        self, *, user_id: str, customer_id: str, price_id: str, success_url: str,
        cancel_url: str,
    ) -> CheckoutLink: ...

    def expire_open_checkout_sessions(self, customer_id: str) -> int:
        """Expire the customer's open Checkout Sessions; how many were expired."""

    def cancel_subscriptions(self, customer_id: str) -> int:
        """Cancel every not-yet-ended subscription of the customer now (account deletion)."""

    def create_portal_session(
        self, customer_id: str, return_url: str, configuration: str,
        flow: PortalFlow | None = None,
    ) -> str:
        """The URL of a customer-portal session on the stack's ``configuration``; with
        ``flow``, a deep link into one task that returns to ``flow.return_url`` when done."""


class UsageMeter(Protocol):
    """API Gateway's count of the calls made with each key of a usage plan (GetUsage)."""

    def daily(self, usage_plan_id: str, key_id: str, first: dt.date, last: dt.date
              ) -> list[list[int]]:
        """``[used, remaining]`` per UTC day from ``first`` to ``last``; [] when no calls yet.

        Raises :class:`~apisales.domain.usage.UsageUnavailable` when the endpoint cannot say.
        """

    def by_key(self, usage_plan_id: str, first: dt.date, last: dt.date) -> dict[str, int]:
        """Calls made with each key of the usage plan from ``first`` to ``last``."""


class QuotaMailMarks(Protocol):
    """The users table as the quota mail reads and marks it (one mark per threshold)."""

    def keyed_users(self, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
        """Every user with an API key, with the period each threshold was last mailed for."""

    def claim_mail(self, user_id: str, threshold: int, period: str) -> bool:
        """Record (user, threshold, period) as mailed unless it is already; True if we did."""

    def release_mail(self, user_id: str, threshold: int, period: str) -> None:
        """Undo our claim (only while it is still ours)."""


class Addresses(Protocol):
    def email_of(self, user_id: str) -> str | None:
        """The user's email address in the user pool; None when it has none."""


class Mailer(Protocol):
    def send(self, sender: str, to: str, subject: str, body: str) -> None: ...
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
