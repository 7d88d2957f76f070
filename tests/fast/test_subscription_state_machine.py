"""Any sequence of Stripe changes, deliveries (duplicated, late, out of order, concurrent
writers with stale snapshots), key issues and rotations ends where Stripe says."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from apisales.domain.entitlements import SubscriptionSnapshot, current_subscription
from tests.fast.world import CATALOG, World

USER = "ann"
STATUSES = ("active", "trialing", "past_due", "unpaid", "canceled", "incomplete_expired")
LOOKUP_KEYS = ("FMMailPro", "FMMailTeam", "NotOurs")


class Subscriber(RuleBasedStateMachine):
    subscriptions = Bundle("subscriptions")
    snapshots = Bundle("snapshots")

    def __init__(self) -> None:
        super().__init__()
        self.world = World()
        self.customer = self.world.stripe.create_customer(USER, None)
        self.world.users.bind_customer(USER, self.customer)
        self.synced = False  # has a delivery been applied since Stripe last changed?

    # -- Stripe changes (the customer pays, cancels, resubscribes, a payment fails) ---------

    @rule(target=subscriptions, status=st.sampled_from(STATUSES),
          lookup_key=st.sampled_from(LOOKUP_KEYS))
    def subscribe(self, status: str, lookup_key: str) -> str:
        self.synced = False
        return str(self.world.stripe.subscription(self.customer, status, lookup_key)["id"])

    @rule(sub_id=subscriptions, status=st.sampled_from(STATUSES), cape=st.booleans())
    def stripe_updates(self, sub_id: str, status: str, cape: bool) -> None:
        self.synced = False
        self.world.stripe.update(sub_id, status=status, cancel_at_period_end=cape)

    @rule(grace=st.booleans())
    def seller_changes_grace(self, grace: bool) -> None:
        self.synced = self.synced and grace == self.world.grace
        self.world.grace = grace

    # -- what reaches us -------------------------------------------------------------------

    @rule(target=snapshots)
    def a_run_reads_stripe(self) -> SubscriptionSnapshot | None:
        """A run that reads now and writes later (a slow or concurrent delivery)."""
        return current_subscription(self.world.stripe.subscriptions_of(self.customer),
                                    self.world.grace)

    @rule(snapshot=snapshots)
    def a_slow_run_writes_what_it_read(self, snapshot: SubscriptionSnapshot | None) -> None:
        self.world.fulfilment().apply(USER, self.customer, snapshot)
        self.synced = False  # possibly stale until the next delivery

    @rule(times=st.integers(min_value=1, max_value=3))
    def deliveries(self, times: int) -> None:
        """Any event, any number of times: each means "this customer may have changed"."""
        for _ in range(times):
            self.world.fulfilment().sync(USER, self.customer)
        self.synced = True

    @rule()
    def the_user_asks_for_their_key(self) -> None:
        record = self.world.users.get(USER)
        plan = CATALOG.plan(record.plan if record and record.plan else CATALOG.default_plan)
        self.world.key_service().ensure_key(USER, plan)

    @precondition(lambda self: bool(self.world.keys_of(USER)))
    @rule()
    def the_user_rotates_their_key(self) -> None:
        record = self.world.users.get(USER)
        assert record is not None and record.api_key_id
        plan = CATALOG.plan(record.plan or CATALOG.default_plan)
        self.world.key_service().rotate(USER, record.api_key_id, plan)

    # -- what must always hold -------------------------------------------------------------

    def _stripe_plan(self) -> str:
        """The plan by the product's rule, written out here rather than asked of the code:
        the newest subscription that pays (active, trialing; past_due with grace) decides,
        by its price's lookup key; nothing that pays, or a price we do not sell: FREE."""
        paying = ({"active", "trialing", "past_due"} if self.world.grace
                  else {"active", "trialing"})  # fmt: skip
        subs = [s for s in self.world.stripe.subscriptions.values()
                if s["customer"] == self.customer and s["status"] in paying]  # fmt: skip
        if not subs:
            return "FREE"
        newest = max(subs, key=lambda s: s["created"])
        key = newest["items"]["data"][0]["price"]["lookup_key"]
        return {"FMMailPro": "PRO", "FMMailTeam": "TEAM"}.get(key, "FREE")

    @invariant()
    def at_most_one_key_and_it_sits_on_one_plan(self) -> None:
        keys = self.world.keys_of(USER)
        assert len(keys) <= 1, keys
        if keys:
            assert len(self.world.key_plans(USER)) == 1

    @invariant()
    def after_a_delivery_everything_agrees_with_stripe(self) -> None:
        if not self.synced:
            return
        plan = self._stripe_plan()
        record: Any = self.world.users.get(USER)
        assert record.plan == plan
        assert self.world.cognito_plan(USER) == plan
        assert self.world.key_plans(USER) == {plan}
        assert record.key_plan == plan


Subscriber.TestCase.settings = settings(max_examples=25, stateful_step_count=16, deadline=None)
test_subscriber = Subscriber.TestCase
