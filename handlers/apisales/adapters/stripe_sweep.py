"""Stripe as the reconciliation sweep walks it: events since a time, all subscriptions.

Stripe's subscription list has no "updated since" filter (only ``created``, ``status``,
``current_period_*``: API reference, "List subscriptions"), so the incremental pass reads
the Events API instead (``types`` + ``created[gte]``, events kept 30 days) and the daily
full pass lists every subscription with ``status=all``. Events listed with the secret key
are Stripe's own records (not a webhook body anyone could sign), and only their customer
is used: the fulfilment path then asks Stripe for that customer's subscriptions anyway.
"""

from __future__ import annotations

from typing import Any

import stripe

from apisales.domain.sweep import ChangedCustomers, Page

PAGE_SIZE = 100  # Stripe's largest list page
# Every event type after which a customer's plan may differ (the webhook's, plus pause).
SWEPT_EVENT_TYPES = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "invoice.paid",
    "invoice.payment_failed",
)


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def _customer_of(obj: Any) -> str | None:
    customer = _plain(obj).get("customer")
    if isinstance(customer, dict):  # expanded
        customer = customer.get("id")
    return customer if isinstance(customer, str) and customer.startswith("cus_") else None


class StripeSweepSource:
    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client  # its HTTP client carries the rate limit

    def changed_customers(self, since: int) -> ChangedCustomers:
        events = self.client.v1.events.list(params={
            "types": list(SWEPT_EVENT_TYPES), "created": {"gte": since}, "limit": PAGE_SIZE,
        })  # fmt: skip
        customers: set[str] = set()
        newest: int | None = None
        for event in events.auto_paging_iter():  # one request (and one token) per page
            newest = max(newest or 0, int(event["created"]))
            customer = _customer_of(_plain(event)["data"]["object"])
            if customer:
                customers.add(customer)
        return ChangedCustomers(tuple(sorted(customers)), newest)

    def subscription_customers(self, starting_after: str | None) -> Page[str]:
        subscriptions = self.client.v1.subscriptions
        page = (
            subscriptions.list(params={"status": "all", "limit": PAGE_SIZE,
                                       "starting_after": starting_after})
            if starting_after else subscriptions.list(params={"status": "all", "limit": PAGE_SIZE})
        )  # fmt: skip
        customers = tuple(c for c in (_customer_of(s) for s in page.data) if c)
        last = page.data[-1]["id"] if page.data else None
        return Page(customers, last if page.has_more else None)
