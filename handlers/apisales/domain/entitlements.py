"""Which plan a user is entitled to, from a snapshot of Stripe's subscription state.

PRO (any paid plan) while the subscription is ``active`` or ``trialing``; ``past_due`` only
when grace is on (Stripe is still retrying the payment); FREE (the default plan) otherwise.
``cancel_at_period_end`` does not matter: the status stays ``active`` until Stripe ends the
subscription, and that is when the plan drops.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ENTITLED_STATUSES = frozenset({"active", "trialing"})
GRACE_STATUSES = frozenset({"past_due"})
# A user in one of these states must not start a second checkout (409).
SUBSCRIBED_STATUSES = frozenset({"active", "trialing", "past_due"})


class CatalogError(ValueError):
    """PLAN_CATALOG is malformed."""


@dataclass(frozen=True)
class Plan:
    name: str
    usage_plan_id: str
    price_lookup_key: str | None
    quota_limit: int | None = None  # the usage plan's quota (infra/functions.py PLAN_CATALOG)
    quota_period: str | None = None  # DAY, WEEK or MONTH

    @property
    def is_paid(self) -> bool:
        return self.price_lookup_key is not None


@dataclass(frozen=True)
class PlanCatalog:
    default_plan: str
    plans: tuple[Plan, ...]

    @classmethod
    def from_json(cls, text: str) -> PlanCatalog:
        try:
            raw = json.loads(text)
            plans = tuple(
                Plan(p["name"], p["usage_plan_id"], p.get("price_lookup_key"),
                     *_quota_of(p.get("quota")))
                for p in raw["plans"]
            )  # fmt: skip
            catalog = cls(raw.get("default_plan", "FREE"), plans)
        except (ValueError, KeyError, TypeError) as exc:
            raise CatalogError(f"PLAN_CATALOG is not valid: {exc}") from exc
        catalog.plan(catalog.default_plan)  # must exist
        return catalog

    def plan(self, name: str) -> Plan:
        for plan in self.plans:
            if plan.name == name:
                return plan
        raise CatalogError(f"no plan named {name!r} in PLAN_CATALOG")

    @property
    def default(self) -> Plan:
        return self.plan(self.default_plan)

    @property
    def paid_plans(self) -> tuple[Plan, ...]:
        return tuple(p for p in self.plans if p.is_paid)

    def paid_plan_named(self, name: str | None) -> Plan | None:
        return next((p for p in self.paid_plans if p.name == name), None)

    def plan_for_lookup_key(self, lookup_key: str | None) -> Plan | None:
        if lookup_key is None:
            return None
        return next((p for p in self.plans if p.price_lookup_key == lookup_key), None)


def _quota_of(raw: Any) -> tuple[int | None, str | None]:
    if not isinstance(raw, Mapping):
        return None, None
    return int(raw["limit"]), str(raw["period"])


@dataclass(frozen=True)
class SubscriptionSnapshot:
    """The few facts of a Stripe subscription the rules need, as Stripe reported them."""

    id: str
    customer_id: str
    status: str
    cancel_at_period_end: bool
    current_period_end: int | None
    price_lookup_key: str | None
    created: int
    price_plan: str | None = None  # price metadata "plan": the stack tags each price it makes


def is_entitled(snapshot: SubscriptionSnapshot, grace_on_past_due: bool) -> bool:
    if snapshot.status in ENTITLED_STATUSES:
        return True
    return grace_on_past_due and snapshot.status in GRACE_STATUSES


def entitled_plan(
    snapshot: SubscriptionSnapshot | None, catalog: PlanCatalog, grace_on_past_due: bool
) -> Plan:
    """The plan the user's key belongs on, given Stripe's current subscription (or none)."""
    if snapshot is None or not is_entitled(snapshot, grace_on_past_due):
        return catalog.default
    paid = catalog.plan_for_lookup_key(snapshot.price_lookup_key)
    if paid is None and snapshot.price_lookup_key is None:
        # A price the stack replaced (new amount: its lookup key moved to the new price) still
        # bills the customers already on it; the stack tags each price with its plan.
        paid = catalog.paid_plan_named(snapshot.price_plan)
    # A live subscription to a price we do not sell gives nothing: never guess a plan.
    return paid or catalog.default


def current_subscription(
    subscriptions: Iterable[SubscriptionSnapshot], grace_on_past_due: bool
) -> SubscriptionSnapshot | None:
    """The subscription that decides the plan: an entitling one first, else the newest.

    A customer who cancelled and resubscribed has two subscriptions; a late event for the old
    one must not downgrade them, so the choice looks at all of them, not at the event's.
    """
    subs = list(subscriptions)
    if not subs:
        return None
    return max(subs, key=lambda s: (is_entitled(s, grace_on_past_due), s.created, s.id))
