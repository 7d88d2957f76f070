"""In-memory ports for the sweep's rule tests: users, keys, Cognito, Stripe, the ledger.

Each keeps the one behaviour the sweep relies on (conditional writes, pages, a lease) and
nothing else, so that a rule test runs in milliseconds.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from apisales.adapters.stripe_objects import subscription_snapshot
from apisales.domain.api_key import KeyService
from apisales.domain.entitlements import Plan, PlanCatalog, SubscriptionSnapshot
from apisales.domain.errors import CustomerConflict, DependencyUnavailable
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Ownership
from apisales.domain.sweep import ChangedCustomers, Page, Sweep, SweepCursor, SweepSettings
from apisales.domain.users import UserRecord

CATALOG = PlanCatalog("FREE", (Plan("FREE", "up_free", None), Plan("PRO", "up_pro", "FMMailPro")))
_ids = itertools.count(1)


class MemoryUsers:
    """The users table: UserStore, CustomerOwners and UserWalk at once."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, UserRecord] = {}
        self.claims: dict[str, str] = {}
        self.scans = 0

    def get(self, user_id: str) -> UserRecord | None:
        with self.lock:
            return self.items.get(user_id)

    def put(self, record: UserRecord) -> None:
        with self.lock:
            self.items[record.user_id] = record

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        with self.lock:
            return tuple(sorted(u for u, r in self.items.items()
                                if r.stripe_customer_id == customer_id))[:2]  # fmt: skip

    def record_subscription(self, user_id: str, customer_id: str | None,
                            sub: SubscriptionSnapshot | None, plan: str) -> None:  # fmt: skip
        with self.lock:
            record = self.items.get(user_id) or UserRecord(user_id)
            if customer_id and record.stripe_customer_id not in (None, customer_id):
                raise CustomerConflict(user_id, customer_id)
            self.items[user_id] = replace(
                record, stripe_customer_id=customer_id or record.stripe_customer_id,
                subscription_id=sub.id if sub else None,
                subscription_status=sub.status if sub else None, plan=plan)

    def claim_key_issue(self, user_id: str, token: str, now: int, ttl: int) -> bool:
        with self.lock:
            record = self.items.get(user_id) or UserRecord(user_id)
            if record.api_key_id or user_id in self.claims:
                return False
            self.items[user_id] = record
            self.claims[user_id] = token
            return True

    def release_key_claim(self, user_id: str, token: str) -> None:
        with self.lock:
            if self.claims.get(user_id) == token:
                del self.claims[user_id]

    def set_api_key(self, user_id: str, key_id: str, *, claim_token: str | None = None,
                    replaces: str | None = None) -> bool:  # fmt: skip
        with self.lock:
            record = self.items[user_id]
            if claim_token is not None and self.claims.get(user_id) != claim_token:
                return False
            self.claims.pop(user_id, None)
            self.items[user_id] = replace(record, api_key_id=key_id)
            return True

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None:
        with self.lock:
            record = self.items[user_id]
            if record.api_key_id == key_id:
                self.items[user_id] = replace(record, key_plan=plan)

    # UserWalk: pages of 2 user ids, in id order, so that tests cross page boundaries.
    def drifted_users(self, start_after: str | None) -> Page[UserRecord]:
        with self.lock:
            self.scans += 1
            ids = sorted(self.items)
            if start_after:
                ids = [i for i in ids if i > start_after]
            page, rest = ids[:2], ids[2:]
            records = [self.items[i] for i in page]
            drifted = tuple(r for r in records
                            if r.api_key_id and r.key_plan != (r.plan or CATALOG.default_plan))
            return Page(drifted, page[-1] if rest else None)


class MemoryKeys:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.plan_of: dict[str, str | None] = {}
        self.names: dict[str, str] = {}

    def create(self, name: str) -> str:
        with self.lock:
            key_id = f"key{next(_ids)}"
            self.plan_of[key_id], self.names[key_id] = None, name
            return key_id

    def find_by_name(self, name: str) -> str | None:
        with self.lock:
            return next((k for k, n in self.names.items() if n == name), None)

    def put_on_plan(self, key_id: str, plan: Plan, all_plans: Sequence[Plan]) -> None:
        with self.lock:
            self.plan_of[key_id] = plan.name

    def delete(self, key_id: str, all_plans: Sequence[Plan]) -> None:
        with self.lock:
            self.plan_of.pop(key_id, None)

    def value(self, key_id: str) -> str:
        return f"value-{key_id}"


class MemoryIdentity:
    def __init__(self) -> None:
        self.plans: dict[str, str] = {}

    def set_plan(self, user_id: str, plan: str, customer_id: str | None) -> None:
        self.plans[user_id] = plan


class MemoryStripe:
    """Subscriptions and the events about them; counts every request made."""

    def __init__(self, now: Any = None, page_size: int = 2) -> None:
        self.lock = threading.Lock()
        self.subs: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[int, str]] = []  # (created, customer)
        self.now = now or (lambda: 1_000_000)  # Stripe's clock: the world's, as in real life
        self.ticks = 0
        self.page_size = page_size
        self.requests = 0
        self.fail_after: int | None = None  # raise on the request after this many

    def _request(self) -> None:
        with self.lock:
            self.requests += 1
            if self.fail_after is not None and self.requests > self.fail_after:
                raise DependencyUnavailable("Stripe is down")

    def subscribe(self, customer: str, status: str = "active") -> str:
        with self.lock:
            created = self._tick()
            sub_id = f"sub_{next(_ids):05d}"
            self.subs[sub_id] = {"id": sub_id, "customer": customer, "status": status,
                                 "created": created, "items": {"data": [{"price": {
                                     "lookup_key": "FMMailPro"}}]}}  # fmt: skip
            self.events.append((created, customer))
            return sub_id

    def _tick(self) -> int:
        self.ticks += 1  # strictly increasing within one second of the world's clock
        return int(self.now()) + self.ticks % 10

    def set_status(self, sub_id: str, status: str) -> None:
        with self.lock:
            self.subs[sub_id]["status"] = status
            self.events.append((self._tick(), self.subs[sub_id]["customer"]))

    def subscriptions_of(self, customer_id: str) -> list[SubscriptionSnapshot]:
        self._request()
        with self.lock:
            return [subscription_snapshot(s) for s in self.subs.values()
                    if s["customer"] == customer_id]  # fmt: skip

    def changed_customers(self, since: int) -> ChangedCustomers:
        self._request()
        with self.lock:
            seen = [(t, c) for t, c in self.events if t >= since]
            return ChangedCustomers(tuple(sorted({c for _, c in seen})),
                                    max((t for t, _ in seen), default=None))  # fmt: skip

    def subscription_customers(self, starting_after: str | None) -> Page[str]:
        self._request()
        with self.lock:
            ids = sorted(self.subs)
            if starting_after:
                ids = [i for i in ids if i > starting_after]
            page, rest = ids[: self.page_size], ids[self.page_size:]
            return Page(tuple(self.subs[i]["customer"] for i in page),
                        page[-1] if rest else None)  # fmt: skip


@dataclass
class MemoryLedger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    owner: str | None = None
    until: int = 0
    cursor: SweepCursor = field(default_factory=SweepCursor)
    saves: int = 0

    def acquire(self, owner: str, now: int, lease_s: int) -> SweepCursor | None:
        with self.lock:
            if self.owner not in (None, owner) and self.until >= now:
                return None
            self.owner, self.until = owner, now + lease_s
            return self.cursor

    def save(self, owner: str, cursor: SweepCursor, now: int, lease_s: int) -> bool:
        with self.lock:
            if self.owner != owner:
                return False
            self.cursor, self.until = cursor, now + lease_s
            self.saves += 1
            return True

    def release(self, owner: str, cursor: SweepCursor) -> None:
        with self.lock:
            if self.owner == owner:
                self.cursor, self.owner, self.until = cursor, None, 0


@dataclass
class World:
    users: MemoryUsers = field(default_factory=MemoryUsers)
    keys: MemoryKeys = field(default_factory=MemoryKeys)
    identity: MemoryIdentity = field(default_factory=MemoryIdentity)
    stripe: MemoryStripe = field(init=False)
    ledger: MemoryLedger = field(default_factory=MemoryLedger)
    now: float = 2_000_000.0

    def __post_init__(self) -> None:
        self.stripe = MemoryStripe(now=lambda: self.now)

    def sweep(self, **kw: Any) -> Sweep:
        key_service = KeyService(self.users, self.keys, CATALOG, "users", clock=lambda: self.now)
        fulfilment = Fulfilment(self.users, key_service, self.identity, self.stripe, CATALOG,
                                lambda: False)  # fmt: skip
        return Sweep(
            source=self.stripe, users=self.users, ledger=self.ledger,
            ownership=Ownership(self.users, sessions=None),  # type: ignore[arg-type]
            fulfilment=fulfilment, key_service=key_service, catalog=CATALOG,
            settings=kw.pop("settings", SweepSettings(concurrency=3)),
            clock=lambda: self.now, **kw,
        )  # fmt: skip

    def paid_user(self, user_id: str, customer: str, *, applied: bool) -> str:
        """A user bound to ``customer`` with a key, who paid; ``applied``: the webhook came."""
        plan = "PRO" if applied else "FREE"
        self.users.put(UserRecord(user_id, stripe_customer_id=customer, plan=plan,
                                  api_key_id=f"key_{user_id}", key_plan=plan))  # fmt: skip
        self.keys.plan_of[f"key_{user_id}"] = plan
        return self.stripe.subscribe(customer)

    def key_plan(self, user_id: str) -> str | None:
        record = self.users.get(user_id)
        assert record is not None and record.api_key_id
        return self.keys.plan_of[record.api_key_id]
