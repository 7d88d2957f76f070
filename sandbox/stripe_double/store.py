"""In-memory state of the double: objects by id, private bookkeeping, events, the clock.

One re-entrant lock guards everything. A `transaction()` collects the events an operation
emits and hands them, as one batch, to the webhook dispatcher when the operation ends, so
a batch can be delivered in order, reversed or shuffled as the test asks.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .ids import new_id
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
    def __init__(self, state_file: str | Path | None = None) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Any]] = {}
        # Bookkeeping Stripe keeps but never shows in the object (cards, secrets, line items).
        self.meta: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self.clock_offset = 0
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.state_file = Path(state_file) if state_file else None
        self.on_events: Callable[[list[dict[str, Any]]], None] | None = None
        self._batch: list[dict[str, Any]] | None = None
        # While a clock advances, each step is stamped with its own due time.
        self.time_override: int | None = None
        if self.state_file and self.state_file.exists():
            self._load()

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
    def add(self, obj: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self.order.append(obj["id"])
        if meta is not None:
            self.meta[obj["id"]] = meta
        return obj

    def get(self, obj_id: str, kind: str | None = None) -> dict[str, Any] | None:
        obj = self.objects.get(obj_id)
        if obj is None or (kind and obj.get("object") != kind):
            return None
        return obj

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Objects of one kind, newest first (Stripe's list order)."""
        return [
            self.objects[i]
            for i in reversed(self.order)
            if i in self.objects and self.objects[i].get("object") == kind
        ]

    def delete(self, obj_id: str) -> None:
        self.objects.pop(obj_id, None)
        self.meta.pop(obj_id, None)

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
                [w for w in self.all("webhook_endpoint") if _wants(w, event_type)]
            ),
            request={"id": None, "idempotency_key": None},
        )
        # The object as it is now: later changes must not leak into an already sent event.
        evt["data"] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            evt["data"]["previous_attributes"] = copy.deepcopy(previous)
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
                    self.save()
                    if batch and self.on_events:
                        self.on_events(batch)

    # -- persistence --------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "meta": self.meta,
            "order": self.order,
            "clock_offset": self.clock_offset,
        }

    def save(self) -> None:
        if not self.state_file:
            return
        tmp = self.state_file.with_suffix(self.state_file.suffix + ".tmp")
        tmp.write_text(json.dumps(self.snapshot()), encoding="utf-8")
        os.replace(tmp, self.state_file)  # atomic: a crash never leaves half a file

    def _load(self) -> None:
        assert self.state_file is not None
        data = json.loads(self.state_file.read_text(encoding="utf-8"))
        self.objects = data.get("objects", {})
        self.meta = data.get("meta", {})
        self.order = data.get("order", list(self.objects))
        self.clock_offset = int(data.get("clock_offset", 0))

    def reset(self) -> None:
        with self.lock:
            self.objects.clear()
            self.meta.clear()
            self.order.clear()
            self.idempotency.clear()
            self.clock_offset = 0
            self.save()


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
