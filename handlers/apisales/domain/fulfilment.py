"""The one path that makes a user's record, key and Cognito attributes match Stripe.

Used by the webhook (every handled event) and by ``GET /billing/checkout/{id}``. Given a user
and their Stripe customer it:

1. fetches *all* the customer's subscriptions from Stripe now (never trusts the event body)
   and picks the one that decides the plan;
2. writes the Stripe facts and the entitled plan to the user record;
3. ensures the user's one key exists and sits on that plan's usage plan (issue or move);
4. sets the Cognito attributes ``custom:plan_type`` / ``custom:stripe_customer_id``;
5. re-fetches from Stripe; if the state changed meanwhile (a concurrent writer may have
   applied an older snapshot after ours), goes round again.

Every step is an idempotent "make it so", so a crash or a failed dependency at any step is
repaired by running the whole path again (Stripe redelivers on 5xx). Downgrade is the same path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from apisales.domain.api_key import KeyService
from apisales.domain.entitlements import (
    Plan,
    PlanCatalog,
    SubscriptionSnapshot,
    current_subscription,
    entitled_plan,
)
from apisales.domain.ports import IdentityAttributes, SubscriptionSource, UserStore

MAX_ROUNDS = 3


@dataclass(frozen=True)
class Outcome:
    user_id: str
    plan: str
    key_id: str
    subscription: SubscriptionSnapshot | None
    previous_plan: str = ""  # the plan the key was on before (the default plan if no key)
    key_created: bool = False  # the user's first key was issued on this path

    @property
    def plan_changed(self) -> bool:
        return self.plan != self.previous_plan


@dataclass
class Fulfilment:
    users: UserStore
    key_service: KeyService
    identity: IdentityAttributes
    stripe: SubscriptionSource
    catalog: PlanCatalog
    grace_on_past_due: Callable[[], bool]

    def _current(self, customer_id: str) -> SubscriptionSnapshot | None:
        return current_subscription(
            self.stripe.subscriptions_of(customer_id), self.grace_on_past_due()
        )

    def sync(self, user_id: str, customer_id: str) -> Outcome:
        """Make the user agree with Stripe's current state for ``customer_id``."""
        before = self.users.get(user_id)
        previous = (before and (before.key_plan or before.plan)) or self.catalog.default_plan
        sub = self._current(customer_id)
        created = False
        for _ in range(MAX_ROUNDS):
            outcome = self.apply(user_id, customer_id, sub)
            created = created or outcome.key_created
            latest = self._current(customer_id)
            if latest == sub:
                break
            sub = latest
        else:
            outcome = self.apply(user_id, customer_id, sub)
            created = created or outcome.key_created
        return replace(outcome, previous_plan=previous, key_created=created)

    def apply(
        self, user_id: str, customer_id: str, sub: SubscriptionSnapshot | None
    ) -> Outcome:
        plan: Plan = entitled_plan(sub, self.catalog, self.grace_on_past_due())
        self.users.record_subscription(user_id, customer_id, sub, plan.name)
        key_id, created = self.key_service.ensure_key(user_id, plan)
        self.identity.set_plan(user_id, plan.name, customer_id)
        return Outcome(user_id, plan.name, key_id, sub, key_created=created)
