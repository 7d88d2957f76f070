"""The reconciliation sweep on the port fakes of ``tests/fakes``, with one clock for us and
for Stripe: the world of the sweep's rule tests (test_sweep_rules.py) and of
bench/sweep_throughput.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apisales.domain.api_key import KeyService
from apisales.domain.entitlements import Plan, PlanCatalog
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership
from apisales.domain.sweep import Sweep, SweepSettings
from apisales.domain.users import UserRecord
from tests.fakes import (
    FakeStripe,
    InMemoryApiKeys,
    InMemoryCheckoutSessions,
    InMemoryIdentity,
    InMemorySweepLedger,
    InMemoryUserStore,
)

CATALOG = PlanCatalog("FREE", (Plan("FREE", "up_free", None), Plan("PRO", "up_pro", "FMMailPro")))
PLAN_OF_USAGE_PLAN = {p.usage_plan_id: p.name for p in CATALOG.plans}
PAGE = 2  # Stripe's list pages and the users walk's: small, so that tests cross pages


@dataclass
class World:
    """``now``: the one clock (ours and Stripe's), moved by the test."""

    now: float = 2_000_000.0
    users: InMemoryUserStore = field(
        default_factory=lambda: InMemoryUserStore(CATALOG.default_plan, walk_page_size=PAGE))
    keys: InMemoryApiKeys = field(default_factory=InMemoryApiKeys)
    identity: InMemoryIdentity = field(default_factory=InMemoryIdentity)
    ledger: InMemorySweepLedger = field(default_factory=InMemorySweepLedger)
    stripe: FakeStripe = field(init=False)

    def __post_init__(self) -> None:
        self.stripe = FakeStripe(clock=lambda: self.now, list_page_size=PAGE)

    def sweep(self, **kw: Any) -> Sweep:
        key_service = KeyService(self.users, self.keys, CATALOG, "users", clock=lambda: self.now)
        fulfilment = Fulfilment(self.users, key_service, self.identity, self.stripe, CATALOG,
                                lambda: False)  # fmt: skip
        return Sweep(
            source=self.stripe, users=self.users, ledger=self.ledger,
            ownership=Ownership(self.users, InMemoryCheckoutSessions()),
            fulfilment=fulfilment, key_service=key_service, catalog=CATALOG,
            settings=kw.pop("settings", SweepSettings(concurrency=3)),
            clock=lambda: self.now, **kw,
        )  # fmt: skip

    def key_on(self, plan: str) -> str:
        """A key that sits on ``plan`` (as the key service would have left it)."""
        key_id = self.keys.create("seeded")
        self.move_key(key_id, plan)
        return key_id

    def move_key(self, key_id: str, plan: str) -> None:
        self.keys.put_on_plan(key_id, CATALOG.plan(plan), CATALOG.plans)

    def paid_user(self, user_id: str, customer: str, *, applied: bool) -> str:
        """A user bound to ``customer`` with a key, who paid; ``applied``: the webhook came."""
        plan = "PRO" if applied else "FREE"
        self.users.put(UserRecord(user_id, stripe_customer_id=customer, plan=plan,
                                  api_key_id=self.key_on(plan), key_plan=plan))  # fmt: skip
        return str(self.stripe.subscription(customer)["id"])

    def key_plan(self, user_id: str) -> str | None:
        record = self.users.get(user_id)
        assert record is not None and record.api_key_id
        [plan] = self.keys.plans_of(record.api_key_id) or {None}
        return PLAN_OF_USAGE_PLAN.get(plan) if plan else None
