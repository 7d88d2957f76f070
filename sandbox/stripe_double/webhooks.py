"""Signed webhook delivery: a background worker with retries, a log, and chaos switches.

The worker never holds the store's lock while it posts, so a webhook handler may call the
double back (to fetch the subscription, say) while its delivery is in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from .store import Store, _wants


def sign(payload: str, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value Stripe would send for this payload."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


@dataclass
class Delivery:
    event_id: str
    event_type: str
    endpoint_id: str
    url: str
    payload: str
    attempt: int = 0
    due: float = 0.0
    duplicate: bool = False


@dataclass
class DeliverySettings:
    max_attempts: int = 5
    backoff: float = 1.0  # seconds before retry n is backoff * 2**(n-1)
    timeout: float = 10.0
    duplicate: bool = False  # send every event twice
    order: str = "in_order"  # or "reverse" / "shuffle" (per batch of events)
    seed: int | None = None
    log: list[dict[str, Any]] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self, store: Store, settings: DeliverySettings | None = None, workers: int = 1
    ) -> None:
        self.store = store
        self.settings = settings or DeliverySettings()
        self._cond = threading.Condition()
        self._queue: list[Delivery] = []
        self._in_flight = 0
        self._stop = False
        self._random = random.Random(self.settings.seed)
        # One worker delivers in order; several deliver concurrently, as Stripe does.
        self._threads = [
            threading.Thread(target=self._run, name=f"stripe-double-webhooks-{n}", daemon=True)
            for n in range(max(1, workers))
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=self.settings.timeout + 1)

    # -- producer side (called by the store with a batch of new events) -------------------
    def enqueue(self, events: list[dict[str, Any]]) -> None:
        with self.store.lock:
            # Oldest endpoint first; each attempt reads the secret when it signs.
            endpoints = self.store.scan("webhook_endpoint")[::-1]
        batch = list(events)
        if self.settings.order == "reverse":
            batch.reverse()
        elif self.settings.order == "shuffle":
            self._random.shuffle(batch)
        items: list[Delivery] = []
        for evt in batch:
            # Stripe sends the event as pretty JSON; the signature covers these exact bytes.
            payload = json.dumps(evt, indent=2)
            for endpoint in endpoints:
                if not _wants(endpoint, evt["type"]):
                    continue
                copies = 2 if self.settings.duplicate else 1
                for n in range(copies):
                    items.append(
                        Delivery(
                            evt["id"],
                            evt["type"],
                            endpoint["id"],
                            endpoint["url"],
                            payload,
                            duplicate=n > 0,
                        )
                    )
        if not items:
            return
        with self._cond:
            self._queue.extend(items)
            self._cond.notify_all()

    # -- settling -------------------------------------------------------------------------
    def wait(self, timeout: float) -> bool:
        """Block until every queued delivery has succeeded or run out of attempts."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._in_flight

    def clear(self) -> None:
        with self._cond:
            self._queue.clear()
            self.settings.log.clear()

    # -- worker ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                item = self._next_due()
                if item is None:
                    return
                self._in_flight += 1
            try:
                self._attempt(item)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _next_due(self) -> Delivery | None:
        while not self._stop:
            if self._queue:
                soonest = min(range(len(self._queue)), key=lambda i: self._queue[i].due)
                wait = self._queue[soonest].due - time.monotonic()
                if wait <= 0:
                    return self._queue.pop(soonest)
                self._cond.wait(wait)
            else:
                self._cond.wait()
        return None

    def _attempt(self, item: Delivery) -> None:
        item.attempt += 1
        with self.store.lock:
            secret = self.store.meta.get(item.endpoint_id, {}).get("secret", "")
        # Signed with the wall clock, not the test clock: receivers check it against theirs.
        timestamp = int(time.time())
        req = urllib.request.Request(
            item.url,
            data=item.payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign(item.payload, secret, timestamp),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        status: int | None = None
        error: str | None = None
        started = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout) as resp:  # noqa: S310
                status = resp.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except Exception as exc:  # connection refused, timeout, bad URL: all retried
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        entry = {
            "event_id": item.event_id,
            "type": item.event_type,
            "endpoint": item.endpoint_id,
            "url": item.url,
            "attempt": item.attempt,
            "status": status,
            "error": error,
            "ok": ok,
            "duplicate": item.duplicate,
            "at": time.time(),
            "duration": time.monotonic() - started,  # until the receiver answered
        }
        with self._cond:
            self.settings.log.append(entry)
            if not ok and item.attempt < self.settings.max_attempts:
                item.due = time.monotonic() + self.settings.backoff * 2 ** (item.attempt - 1)
                self._queue.append(item)
