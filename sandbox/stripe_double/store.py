"""In-memory state of the double: objects by id, private bookkeeping, events, the clock.

One re-entrant lock guards everything. A `transaction()` collects the events an operation
emits and hands them, as one batch, to the webhook dispatcher when the operation ends, so
a batch can be delivered in order, reversed or shuffled as the test asks. When the store
has a state file, the end of a transaction also appends what changed to the journal
(see journal.py); nothing is rewritten.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .ids import new_id
from .journal import DEFAULT_COMPACT_AFTER_BYTES, Journal, State, journal_line
from .templates import template

API_VERSION = "2026-10-28.endive"

# Object kinds the double stores, keyed by the id prefix Stripe uses.
PREFIX_KIND = {
    "prod_": "product",
    "price_": "price",
    "cus_": "customer",
    "cs_": "checkout.session",
    "sub_": "subscription",
    "in_": "invoice",
    "bps_": "billing_portal.session",
    "bpc_": "billing_portal.configuration",
    "we_": "webhook_endpoint",
    "clock_": "test_helpers.test_clock",
    "evt_": "event",
}


class Store:
    def __init__(self, state_file: str | Path | None = None,
                 compact_after_bytes: int = DEFAULT_COMPACT_AFTER_BYTES) -> None:  # fmt: skip
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Any]] = {}
        # Bookkeeping Stripe keeps but never shows in the object (cards, secrets, line items).
        self.meta: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self._by_kind: dict[str, list[str]] = {}  # ids of one kind, in creation order
        self.clock_offset = 0
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.on_events: Callable[[list[dict[str, Any]]], None] | None = None
        self._batch: list[dict[str, Any]] | None = None
        # While a clock advances, each step is stamped with its own due time.
        self.time_override: int | None = None
        self.journal = Journal(state_file, compact_after_bytes) if state_file else None
        # Change tracking for the journal: ids handed out (possibly mutated) since the last
        # commit, and a digest of each object as last written.
        self._touched: dict[str, None] = {}
        self._digests: dict[str, bytes] = {}
        self._saved_clock_offset = 0
        if self.journal is not None:
            self._restore(self.journal.load())

    # -- time ---------------------------------------------------------------------------
    def global_now(self) -> int:
        if self.time_override is not None:
            return self.time_override
        return int(time.time()) + self.clock_offset

    def now_for(self, customer_id: str | None) -> int:
        """Simulated time of a customer: its test clock's frozen time, else the global clock."""
        if self.time_override is not None:
            return self.time_override
        cus = self.objects.get(customer_id or "")
        if cus and cus.get("test_clock"):
            clock = self.objects.get(cus["test_clock"])
            if clock:
                return int(clock["frozen_time"])
        return self.global_now()

    # -- objects ------------------------------------------------------------------------
    # Objects are mutated in place by their callers, so every accessor that hands out an
    # object the caller may change marks it; the next commit journals it if it changed.
    # `scan` is the read-only exception that keeps hot read paths from marking a whole kind.
    def add(self, obj: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
        obj_id = obj["id"]
        if obj_id not in self.objects:
            self.order.append(obj_id)
            self._by_kind.setdefault(obj.get("object", ""), []).append(obj_id)
        self.objects[obj_id] = obj
        if meta is not None:
            self.meta[obj_id] = meta
        self._touch(obj_id)
        return obj

    def get(self, obj_id: str, kind: str | None = None) -> dict[str, Any] | None:
        obj = self.objects.get(obj_id)
        if obj is None or (kind and obj.get("object") != kind):
            return None
        self._touch(obj_id)
        return obj

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order), for a caller that may
        change them."""
        objs = self.scan(kind)
        for obj in objs:
            self._touch(obj["id"])
        return objs

    def scan(self, kind: str) -> list[dict[str, Any]]:
        """Like `all`, for reading only: a change to these objects would not be persisted."""
        ids = self._by_kind.get(kind, [])
        return [self.objects[i] for i in reversed(ids) if i in self.objects]

    def delete(self, obj_id: str) -> None:
        self.objects.pop(obj_id, None)
        self.meta.pop(obj_id, None)
        self._touch(obj_id)

    def _touch(self, obj_id: str) -> None:
        if self.journal is not None:
            self._touched[obj_id] = None

    # -- events -------------------------------------------------------------------------
    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
        customer_id: str | None = None,
    ) -> dict[str, Any]:
        evt = template("event")
        evt.update(
            id=new_id("evt_"),
            api_version=API_VERSION,
            created=self.now_for(customer_id or _customer_of(obj)),
            livemode=False,
            type=event_type,
            pending_webhooks=len(
                [w for w in self.scan("webhook_endpoint") if _wants(w, event_type)]
            ),
            request={"id": None, "idempotency_key": None},
        )
        # The object as it is now: later changes must not leak into an already sent event.
        evt["data"] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            evt["data"]["previous_attributes"] = copy.deepcopy(previous)
        # An event means its object changed: journal it even if the caller fetched it
        # before another thread's commit.
        if isinstance(obj.get("id"), str) and obj["id"] in self.objects:
            self._touch(obj["id"])
        self.add(evt)
        if self._batch is not None:
            self._batch.append(evt)
        elif self.on_events:
            self.on_events([evt])
        return evt

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            outer = self._batch is None
            if outer:
                self._batch = []
            try:
                yield
            finally:
                if outer:
                    batch, self._batch = self._batch or [], None
                    self.commit()
                    if batch and self.on_events:
                        self.on_events(batch)

    # -- persistence --------------------------------------------------------------------
    def commit(self) -> None:
        """Append what changed since the last commit to the journal: one line, or nothing
        when nothing changed (a read). The cost follows the change, not the state's size."""
        if self.journal is None:
            return
        with self.lock:
            touched, self._touched = self._touched, {}
            puts: dict[str, str] = {}
            deletes: list[str] = []
            for obj_id in touched:
                obj = self.objects.get(obj_id)
                if obj is None:
                    if self._digests.pop(obj_id, None) is not None:
                        deletes.append(obj_id)
                    continue
                text = json.dumps([obj, self.meta.get(obj_id)])
                digest = _digest(text)
                if self._digests.get(obj_id) != digest:
                    self._digests[obj_id] = digest
                    puts[obj_id] = text
            clock = self.clock_offset if self.clock_offset != self._saved_clock_offset else None
            if not puts and not deletes and clock is None:
                return
            self.journal.append(journal_line(puts, deletes, clock))
            self._saved_clock_offset = self.clock_offset

    def state(self) -> State:
        """The persisted part of the store (live references: read under the lock)."""
        return State(self.objects, self.meta, self.order, self.clock_offset)

    def _restore(self, state: State) -> None:
        self.objects, self.meta, self.order = state.objects, state.meta, state.order
        self.clock_offset = self._saved_clock_offset = state.clock_offset
        self._by_kind = {}
        for obj_id in self.order:
            obj = self.objects.get(obj_id)
            if obj is not None:
                self._by_kind.setdefault(obj.get("object", ""), []).append(obj_id)
        self._digests = {
            i: _digest(json.dumps([obj, self.meta.get(i)])) for i, obj in self.objects.items()
        }

    def close(self) -> None:
        """Fold the journal into the snapshot (a clean stop); later changes are not saved."""
        with self.lock:
            if self.journal is not None:
                self.commit()
                self.journal.close(self.state())
                self.journal = None

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.meta.clear()
            self.order.clear()
            self._by_kind.clear()
            self.idempotency.clear()
            self.clock_offset = self._saved_clock_offset = 0
            self._touched.clear()
            self._digests.clear()
            if self.journal is not None:
                self.journal.reset()


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _customer_of(obj: dict[str, Any]) -> str | None:
    if obj.get("object") == "customer":
        return obj.get("id")
    cus = obj.get("customer")
    return cus if isinstance(cus, str) else None


def _wants(endpoint: dict[str, Any], event_type: str) -> bool:
    if endpoint.get("status") != "enabled":
        return False
    enabled = endpoint.get("enabled_events") or []
    return "*" in enabled or event_type in enabled
