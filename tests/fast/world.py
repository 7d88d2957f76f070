"""One user's world on fakes: the users table, API keys, Cognito and Stripe, and the rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from apisales.domain.api_key import KeyService, key_name
from apisales.domain.entitlements import Plan, PlanCatalog
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership
from tests.fakes import (
    FakeStripe,
    InMemoryApiKeys,
    InMemoryCheckoutSessions,
    InMemoryIdentity,
    InMemoryUserStore,
)

SCOPE = "users-fast"
CATALOG = PlanCatalog(
    "FREE",
    (Plan("FREE", "up-free", None), Plan("PRO", "up-pro", "FMMailPro"),
     Plan("TEAM", "up-team", "FMMailTeam")),
)


class Clock:
    """Time that moves only when told to (claims expire, waits time out, without sleeping)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    users: InMemoryUserStore = field(default_factory=InMemoryUserStore)
    keys: InMemoryApiKeys = field(default_factory=InMemoryApiKeys)
    identity: InMemoryIdentity = field(default_factory=InMemoryIdentity)
    stripe: FakeStripe = field(default_factory=FakeStripe)
    sessions: InMemoryCheckoutSessions = field(default_factory=InMemoryCheckoutSessions)
    grace: bool = False

    def key_service(self, clock: Clock | None = None) -> KeyService:
        if clock is None:
            return KeyService(self.users, self.keys, CATALOG, SCOPE)
        return KeyService(self.users, self.keys, CATALOG, SCOPE, clock=clock, sleep=clock.sleep)

    def fulfilment(self, key_service: KeyService | None = None) -> Fulfilment:
        return Fulfilment(users=self.users, key_service=key_service or self.key_service(),
                          identity=self.identity, stripe=self.stripe, catalog=CATALOG,
                          grace_on_past_due=lambda: self.grace)  # fmt: skip

    def ownership(self) -> Ownership:
        return Ownership(users=self.users, sessions=self.sessions)

    # -- what the user would notice ----------------------------------------------------------

    def keys_of(self, user_id: str) -> list[str]:
        return self.keys.named(key_name(SCOPE, user_id))

    def key_plans(self, user_id: str) -> set[str]:
        """The plans (by name) of the user's one key; asserts there is exactly one key."""
        keys = self.keys_of(user_id)
        assert len(keys) == 1, keys
        by_id = {p.usage_plan_id: p.name for p in CATALOG.plans}
        return {by_id[p] for p in self.keys.plans_of(keys[0])}

    def plan(self, user_id: str) -> str | None:
        record = self.users.get(user_id)
        return record.plan if record else None

    def cognito_plan(self, user_id: str) -> str | None:
        return self.identity.attributes.get(user_id, {}).get("custom:plan_type")
