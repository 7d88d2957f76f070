"""The users table in memory, with the adapter's conditional writes (adapters/dynamo_users.py)
and the sweep's walk over it (adapters/dynamo_sweep.py ``DynamoUserWalk``)."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict
from typing import Any

from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.errors import CustomerConflict
from apisales.domain.sweep import Page
from apisales.domain.users import UserRecord


class InMemoryUserStore:
    """Items as the table holds them; each write is atomic (one lock), like a conditional update.

    The ports ``UserStore`` (with ``CustomerOwners``) and the sweep's ``UserWalk``.
    ``walk_page_size``: users read per page of the walk (the adapter's Scan ``Limit``); a
    test makes it small to cross page boundaries.
    """

    def __init__(self, default_plan: str = "FREE", walk_page_size: int = 200) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, dict[str, Any]] = {}
        self.default_plan = default_plan  # the plan of a record that names none
        self.walk_page_size = walk_page_size

    def _item(self, user_id: str) -> dict[str, Any]:
        """The item an update writes to (an update creates a missing item, as DynamoDB does)."""
        return self.items.setdefault(user_id, {"user_id": user_id})

    def get(self, user_id: str) -> UserRecord | None:
        with self.lock:
            item = self.items.get(user_id)
            if item is None:
                return None
            return UserRecord(
                user_id=user_id,
                stripe_customer_id=item.get("stripe_customer_id"),
                subscription_id=item.get("subscription_id"),
                subscription_status=item.get("subscription_status"),
                cancel_at_period_end=bool(item.get("cancel_at_period_end", False)),
                current_period_end=item.get("current_period_end"),
                plan=item.get("plan"),
                api_key_id=item.get("api_key_id"),
                key_plan=item.get("key_plan"),
                language=item.get("language"),
                first_seen_at=item.get("first_seen_at"),
                deleting_at=item.get("deleting_at"),
                deleted_at=item.get("deleted_at"),
            )

    def mark_deleting(self, user_id: str, now: int) -> UserRecord:
        with self.lock:
            self._item(user_id).setdefault("deleting_at", now)
        record = self.get(user_id)
        assert record is not None
        return record

    def write_tombstone(self, user_id: str, now: int) -> None:
        with self.lock:
            item = self._item(user_id)
            self.items[user_id] = {"user_id": user_id,
                                   "deleting_at": item.get("deleting_at", now),
                                   "deleted_at": item.get("deleted_at", now)}  # fmt: skip

    def record_visit(self, user_id: str, language: str) -> bool:
        with self.lock:
            item = self._item(user_id)
            if "deleting_at" in item:  # the adapter's condition: a tombstone takes no facts
                return False
            first = "first_seen_at" not in item
            item.setdefault("first_seen_at", int(time.time()))
            item["language"] = language
            return first

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        with self.lock:
            bound = sorted(u for u, item in self.items.items()
                           if item.get("stripe_customer_id") == customer_id)  # fmt: skip
            return tuple(bound[:2])

    def bind_customer(self, user_id: str, customer_id: str) -> str:
        with self.lock:
            item = self.items.get(user_id, {})
            if "stripe_customer_id" in item:
                return str(item["stripe_customer_id"])
            self._item(user_id)["stripe_customer_id"] = customer_id
            return customer_id

    def record_subscription(
        self, user_id: str, customer_id: str | None, sub: SubscriptionSnapshot | None, plan: str
    ) -> None:
        with self.lock:
            bound = self.items.get(user_id, {}).get("stripe_customer_id")
            if customer_id and bound is not None and bound != customer_id:
                raise CustomerConflict(user_id, customer_id)
            item = self._item(user_id)
            item["plan"] = plan
            if customer_id:
                item["stripe_customer_id"] = customer_id
            if sub is None:
                for name in ("subscription_id", "subscription_status", "current_period_end"):
                    item.pop(name, None)
                item["cancel_at_period_end"] = False
                return
            item.update(subscription_id=sub.id, subscription_status=sub.status,
                        cancel_at_period_end=sub.cancel_at_period_end)
            if sub.current_period_end is None:
                item.pop("current_period_end", None)
            else:
                item["current_period_end"] = sub.current_period_end

    def claim_key_issue(self, user_id: str, token: str, now: int, ttl: int) -> bool:
        with self.lock:
            item = self.items.get(user_id, {})
            if "api_key_id" in item:
                return False
            if "key_claim_until" in item and not item["key_claim_until"] < now:
                return False
            self._item(user_id).update(key_claim_token=token, key_claim_until=now + ttl)
            return True

    def release_key_claim(self, user_id: str, token: str) -> None:
        with self.lock:
            item = self.items.get(user_id, {})
            if item.get("key_claim_token") == token:
                item.pop("key_claim_token", None)
                item.pop("key_claim_until", None)

    def set_api_key(self, user_id: str, key_id: str, *, claim_token: str | None = None,
                    replaces: str | None = None) -> bool:
        with self.lock:
            item = self.items.get(user_id)
            if item is None:
                return False
            if claim_token is not None:
                held = "api_key_id" not in item and item.get("key_claim_token") == claim_token
            else:
                held = item.get("api_key_id") == str(replaces)
            if not held:
                return False
            item["api_key_id"] = key_id
            item.pop("key_claim_token", None)
            item.pop("key_claim_until", None)
            return True

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None:
        with self.lock:
            item = self.items.get(user_id)
            if item is not None and item.get("api_key_id") == key_id:
                item["key_plan"] = plan

    # -- UserWalk (the sweep) -----------------------------------------------------------------

    def drifted_users(self, start_after: str | None) -> Page[UserRecord]:
        """Pages in user id order (the table's Scan order is its own; the sweep needs none)."""
        with self.lock:
            ids = sorted(u for u in self.items if start_after is None or u > start_after)
            page, rest = ids[: self.walk_page_size], ids[self.walk_page_size:]
            drifted = [u for u in page if "api_key_id" in self.items[u]
                       and self.items[u].get("key_plan")
                       != self.items[u].get("plan", self.default_plan)]  # fmt: skip
        return Page(tuple(r for r in map(self.get, drifted) if r is not None),
                    page[-1] if rest else None)  # fmt: skip

    # -- what a test sets up -------------------------------------------------------------------

    def put(self, record: UserRecord) -> None:
        """Store ``record`` as the item (its None fields absent, as the adapter writes them)."""
        with self.lock:
            self.items[record.user_id] = {k: v for k, v in asdict(record).items()
                                          if v is not None}  # fmt: skip
