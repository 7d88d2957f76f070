"""`StripeDouble`: the server plus the helpers tests and the sandbox drive it with."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import catalog, checkout, subscriptions
from .api import Ctx
from .errors import StripeError, missing
from .store import Store
from .web import Handler
from .webhooks import DeliverySettings, Dispatcher

DEFAULT_API_KEY = "sk_test_double_0123456789abcdef"


class _Server(ThreadingHTTPServer):
    # The stdlib backlog of 5 makes bursts of parallel clients wait a 1 s SYN retry.
    request_queue_size = 128
    daemon_threads = True


@dataclass(frozen=True)
class WebhookEndpoint:
    id: str
    url: str
    secret: str


class StripeDouble:
    """A local Stripe: `with StripeDouble() as sd: StripeClient(sd.api_key, base_addresses=...)`."""

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        api_key: str = DEFAULT_API_KEY,
        state_file: str | Path | None = None,
        webhook_backoff: float = 1.0,
        webhook_max_attempts: int = 5,
        webhook_timeout: float = 10.0,
        webhook_workers: int = 1,
        verbose: bool = False,
    ) -> None:
        if not api_key.startswith("sk_test_"):
            raise ValueError("api_key must start with sk_test_")
        self.host, self.port, self.api_key, self.verbose = host, port, api_key, verbose
        self.store = Store(state_file)
        self.dispatcher = Dispatcher(
            self.store,
            DeliverySettings(
                max_attempts=webhook_max_attempts, backoff=webhook_backoff, timeout=webhook_timeout
            ),
            workers=webhook_workers,
        )
        self.store.on_events = self.dispatcher.enqueue
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("StripeDouble is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def ctx(self) -> Ctx:
        return Ctx(self.store, self.url)

    def start(self) -> StripeDouble:
        handler = type("BoundHandler", (Handler,), {"double": self})
        self._server = _Server((self.host, self.port), handler)
        # A short poll interval keeps stop() fast (the default 0.5 s adds up across tests).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02}, name="stripe-double", daemon=True
        )
        self._thread.start()
        self.dispatcher.start()
        return self

    def stop(self) -> None:
        self.dispatcher.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.store.close()  # the journal folded into the state file

    def __enter__(self) -> StripeDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every object, event and delivery (cheaper than a restart between tests)."""
        self.dispatcher.clear()
        self.store.reset()

    # -- webhooks -------------------------------------------------------------------------
    def add_webhook_endpoint(self, url: str, events: list[str] | None = None) -> WebhookEndpoint:
        with self.store.transaction():
            obj = catalog.create_webhook_endpoint(
                self.store, {"url": url, "enabled_events": events or ["*"]}
            )
        return WebhookEndpoint(obj["id"], url, obj["secret"])

    def deliveries(self) -> list[dict[str, Any]]:
        """The delivery log: one entry per attempt (event_id, type, attempt, status, ok...)."""
        with self.dispatcher._cond:
            return [dict(e) for e in self.dispatcher.settings.log]

    def pending_deliveries(self) -> int:
        """Deliveries queued (including retries waiting for their backoff) or in flight."""
        return self.dispatcher.pending()

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """True once every webhook delivery succeeded or used up its attempts."""
        return self.dispatcher.wait(timeout)

    def configure_delivery(
        self,
        *,
        duplicate: bool | None = None,
        order: str | None = None,
        max_attempts: int | None = None,
        backoff: float | None = None,
        timeout: float | None = None,
    ) -> None:
        """Switch chaos on: `duplicate=True` sends every event twice; `order="reverse"` or
        `"shuffle"` sends each batch of events (one API call's worth) out of order."""
        s = self.dispatcher.settings
        if order is not None:
            if order not in ("in_order", "reverse", "shuffle"):
                raise ValueError("order must be in_order, reverse or shuffle")
            s.order = order
        if duplicate is not None:
            s.duplicate = duplicate
        if max_attempts is not None:
            s.max_attempts = max(1, max_attempts)
        if backoff is not None:
            s.backoff = backoff
        if timeout is not None:
            s.timeout = timeout

    # -- time -----------------------------------------------------------------------------
    def now(self) -> int:
        """The double's global clock (wall time plus every advance so far)."""
        return self.store.global_now()

    def advance_clock(self, seconds: int | None = None, *, to: int | None = None) -> int:
        """Move the global clock (subscriptions without a Stripe test clock) forward and run
        every renewal, retry and period-end cancellation that falls due on the way."""
        with self.store.transaction():
            now = self.store.global_now()
            target = to if to is not None else now + (seconds or 0)
            if target < now:
                raise ValueError("the clock cannot move backwards")
            subscriptions.run_until(self.store, target, None)
            self.store.clock_offset += target - now
            return self.store.global_now()

    # -- checkout & catalogue -------------------------------------------------------------
    def pay_checkout_session(
        self, session_id: str, card: str = "4242424242424242", email: str | None = None
    ) -> dict[str, Any]:
        """Exactly what submitting the hosted checkout page does. Raises `StripeError`
        (402 card_error) for a declined card."""
        with self.store.transaction():
            session = self.store.get(session_id, "checkout.session")
            if session is None:
                raise missing("checkout.session", session_id)
            checkout.pay_session(self.store, session, card or "4242424242424242", email=email)
            return copy.deepcopy(session)

    def seed_price(
        self,
        lookup_key: str = "FMMailPro",
        unit_amount: int = 980,
        currency: str = "jpy",
        product_name: str = "FM Mail PRO",
        interval: str = "month",
    ) -> dict[str, Any]:
        """A product with one recurring price under `lookup_key` (default: FM Mail PRO)."""
        with self.store.transaction():
            for price in self.store.scan("price"):
                if price.get("lookup_key") == lookup_key:
                    return copy.deepcopy(price)
            product = catalog.create_product(self.store, {"name": product_name})
            price = catalog.create_price(
                self.store,
                {
                    "product": product["id"],
                    "unit_amount": str(unit_amount),
                    "currency": currency,
                    "recurring": {"interval": interval},
                    "lookup_key": lookup_key,
                },
            )
            return copy.deepcopy(price)

    # -- reading state --------------------------------------------------------------------
    def get(self, obj_id: str) -> dict[str, Any]:
        with self.store.lock:
            obj = self.store.get(obj_id)
            if obj is None:
                raise missing("object", obj_id)
            return copy.deepcopy(obj)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:  # noqa: A002
        """Events emitted so far, oldest first."""
        with self.store.lock:
            evts = [
                e for e in reversed(self.store.scan("event")) if type is None or e["type"] == type
            ]
            return copy.deepcopy(evts)


__all__ = ["StripeDouble", "StripeError", "WebhookEndpoint", "DEFAULT_API_KEY"]
