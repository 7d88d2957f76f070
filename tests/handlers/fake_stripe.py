"""An in-memory fake of the Stripe ports: ``domain.ports.Billing`` (real: ``StripeBilling``)
and the sweep's ``SweepSource`` (real: ``StripeSweepSource``).

Used where the test is about our concurrency, ordering and fault handling, not about Stripe's
wire format: it lets a test set Stripe's "current state" directly and fast. The journey tests
use the Stripe double over HTTP through the real SDK instead.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from apisales.adapters.stripe_objects import billing_object, subscription_snapshot
from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.errors import DependencyUnavailable
from apisales.domain.portal import PortalFlow
from apisales.domain.ports import CheckoutLink
from apisales.domain.sweep import ChangedCustomers, Page

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):06d}"


class FakeStripe:
    """``clock``: Stripe's clock (``created`` of subscriptions and events); a test may give
    its own so that the sweep's windows line up with its time. ``list_page_size``: as the
    adapter's (100); a test makes it small to cross page boundaries."""

    def __init__(self, clock: Callable[[], float] = time.time, list_page_size: int = 100) -> None:
        self.lock = threading.Lock()
        self.clock = clock
        self.list_page_size = list_page_size
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.events: list[tuple[int, str]] = []  # (created, customer) of each change
        self.calls: list[str] = []
        self.fail_after: int | None = None  # calls answered before Stripe "goes down"
        self.lookup_keys = {"FMMailPro", "FMMailTeam"}  # the active prices
        self._ticks = itertools.count(1)

    def _call(self, name: str) -> None:
        """One request to Stripe: counted, and refused once it is down. Taken before the
        object lock, so that a test may wrap it with latency without serialising calls."""
        with self.lock:
            self.calls.append(name)
            down = self.fail_after is not None and len(self.calls) > self.fail_after
        if down:
            raise DependencyUnavailable("Stripe is down")

    def _now(self) -> int:
        """Strictly increasing: of two objects or events, the later made is the newer."""
        return int(self.clock()) + next(self._ticks)

    def _changed(self, customer_id: str) -> None:
        self.events.append((self._now(), customer_id))

    # -- the port --------------------------------------------------------------------------

    def subscriptions_of(self, customer_id: str) -> list[SubscriptionSnapshot]:
        self._call("subscriptions_of")
        with self.lock:
            return [subscription_snapshot(s) for s in self.subscriptions.values()
                    if s["customer"] == customer_id]

    def price_id(self, lookup_key: str) -> str:
        if lookup_key not in self.lookup_keys:
            raise LookupError(f"no active Stripe price with lookup key {lookup_key!r}")
        return f"price_{lookup_key}"

    def create_customer(self, user_id: str, email: str | None) -> str:
        self._call("create_customer")
        with self.lock:
            cid = _id("cus")
            self.customers[cid] = {"id": cid, "email": email, "metadata": {"user_id": user_id}}
            return cid

    def create_checkout_session(self, *, user_id: str, customer_id: str, price_id: str,
                                success_url: str, cancel_url: str) -> CheckoutLink:
        with self.lock:
            sid = _id("cs_test")
            url = f"https://checkout.example.test/{sid}"
            session: dict[str, Any] = {
                       "id": sid, "object": "checkout.session", "mode": "subscription",
                       "status": "open", "payment_status": "unpaid", "customer": customer_id,
                       "client_reference_id": user_id, "metadata": {"user_id": user_id},
                       "subscription": None,
                       "url": url, "price": price_id,
                       "success_url": success_url, "cancel_url": cancel_url}
            self.sessions[sid] = session
            return CheckoutLink(sid, url)

    def _retrieve(self, kind: ObjectKind, objects: dict[str, dict[str, Any]],
                  object_id: str) -> BillingObject | None:
        # The real adapter's translation, so that the fake answers what the adapter would.
        with self.lock:
            obj = objects.get(object_id)
            return billing_object(kind, obj) if obj else None

    def retrieve_checkout_session(self, session_id: str) -> BillingObject | None:
        return self._retrieve(ObjectKind.CHECKOUT_SESSION, self.sessions, session_id)

    def retrieve_subscription(self, subscription_id: str) -> BillingObject | None:
        return self._retrieve(ObjectKind.SUBSCRIPTION, self.subscriptions, subscription_id)

    def retrieve_invoice(self, invoice_id: str) -> BillingObject | None:
        return self._retrieve(ObjectKind.INVOICE, self.invoices, invoice_id)

    def expire_open_checkout_sessions(self, customer_id: str) -> int:
        with self.lock:
            open_sessions = [s for s in self.sessions.values()
                             if s["customer"] == customer_id and s["status"] == "open"]
            for session in open_sessions:
                session["status"] = "expired"
            return len(open_sessions)

    def cancel_subscriptions(self, customer_id: str) -> int:
        with self.lock:
            live = [s for s in self.subscriptions.values() if s["customer"] == customer_id
                    and s["status"] not in ("canceled", "incomplete_expired")]  # fmt: skip
            for sub in live:
                sub["status"] = "canceled"
                self._changed(customer_id)
            return len(live)

    def create_portal_session(self, customer_id: str, return_url: str, configuration: str,
                              flow: PortalFlow | None = None) -> str:
        url = (f"https://billing.example.test/p/{customer_id}?return={return_url}"
               f"&configuration={configuration}")  # fmt: skip
        if flow is not None:
            url += f"&flow={flow.kind}&after={flow.return_url}"
        return url

    # -- the sweep's source (SweepSource) --------------------------------------------------

    def changed_customers(self, since: int) -> ChangedCustomers:
        self._call("changed_customers")
        with self.lock:
            seen = [(t, c) for t, c in self.events if t >= since]
            return ChangedCustomers(tuple(sorted({c for _, c in seen})),
                                    max((t for t, _ in seen), default=None))  # fmt: skip

    def subscription_customers(self, starting_after: str | None) -> Page[str]:
        self._call("subscription_customers")
        with self.lock:
            ids = sorted(i for i in self.subscriptions
                         if starting_after is None or i > starting_after)  # fmt: skip
            page, rest = ids[: self.list_page_size], ids[self.list_page_size:]
            return Page(tuple(self.subscriptions[i]["customer"] for i in page),
                        page[-1] if rest else None)  # fmt: skip

    # -- test controls ---------------------------------------------------------------------

    def subscription(self, customer_id: str, status: str = "active", lookup_key: str = "FMMailPro",
                     cancel_at_period_end: bool = False) -> dict[str, Any]:
        with self.lock:
            sub_id = _id("sub")
            now = self._now()
            sub = {
                "id": sub_id, "object": "subscription", "customer": customer_id,
                "status": status, "cancel_at_period_end": cancel_at_period_end,
                "created": now,
                "items": {"object": "list", "data": [{
                    "id": _id("si"), "object": "subscription_item",
                    "price": {"id": f"price_{lookup_key}", "object": "price",
                              "lookup_key": lookup_key},
                    "current_period_end": now + 30 * 86400,
                }]},
            }
            self.subscriptions[sub_id] = sub
            self._changed(customer_id)
            return sub

    def invoice(self, sub: dict[str, Any], status: str = "paid") -> dict[str, Any]:
        """An invoice of ``sub``, shaped as in API versions since 2025-03-31 (parent)."""
        with self.lock:
            inv = {"id": _id("in"), "object": "invoice", "customer": sub["customer"],
                   "status": status,
                   "parent": {"type": "subscription_details",
                              "subscription_details": {"subscription": sub["id"]}}}
            self.invoices[inv["id"]] = inv
            return dict(inv)

    def pay(self, session_id: str) -> dict[str, Any]:
        """The customer pays on the hosted page: session complete, subscription active."""
        session = self.sessions[session_id]
        sub = self.subscription(session["customer"])
        self.invoice(sub)
        with self.lock:
            session.update(status="complete", payment_status="paid", subscription=sub["id"])
            return dict(session)

    def update(self, sub_id: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            self.subscriptions[sub_id].update(fields)
            self._changed(self.subscriptions[sub_id]["customer"])
            return dict(self.subscriptions[sub_id])
