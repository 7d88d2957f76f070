"""The checkout sessions and processed events tables in memory (adapters/dynamo_records.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from apisales.domain.checkout_record import CheckoutRecord


class InMemoryProcessedEvents:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: dict[str, str] = {}  # event id -> type

    def is_processed(self, event_id: str) -> bool:
        with self.lock:
            return event_id in self.events

    def mark_processed(self, event_id: str, event_type: str) -> bool:
        with self.lock:
            if event_id in self.events:
                return False
            self.events[event_id] = event_type
            return True


class InMemoryCheckoutSessions:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.Lock()
        self.clock = clock
        self.items: dict[str, dict[str, Any]] = {}

    def record_created(self, session_id: str, user_id: str) -> None:
        with self.lock:
            self.items.setdefault(session_id, {"user_id": user_id, "status": "open"})

    def get(self, session_id: str) -> CheckoutRecord | None:
        with self.lock:
            item = self.items.get(session_id)
            if item is None:
                return None
            return CheckoutRecord(session_id, item["user_id"], item.get("status"),
                                  item.get("fulfilled_at"))

    def owner_of(self, session_id: str) -> str | None:
        record = self.get(session_id)
        return record.user_id if record else None

    def mark_fulfilled(self, session_id: str, user_id: str) -> bool:
        with self.lock:
            item = self.items.setdefault(session_id, {"user_id": user_id})
            item["status"] = "complete"
            first = "fulfilled_at" not in item
            item.setdefault("fulfilled_at", int(self.clock()))
            return first
