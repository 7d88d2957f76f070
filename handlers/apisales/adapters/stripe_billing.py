"""Stripe through the official SDK; everything returned to the domain is plain data."""

from __future__ import annotations

import functools
from typing import Any

import stripe

from apisales.adapters.stripe_objects import billing_object, subscription_snapshot
from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.portal import PortalFlow
from apisales.domain.ports import CheckoutLink

# Subscriptions that can never charge again.
ENDED = frozenset({"canceled", "incomplete_expired"})


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


class StripeBilling:
    def __init__(self, api_key: str, api_base: str | None = None,
                 http_client: stripe.HTTPClient | None = None) -> None:  # fmt: skip
        # Well inside the functions' 20 s timeout: a slow Stripe becomes a 503 to retry.
        options: dict[str, Any] = {
            "max_network_retries": 1,
            "http_client": http_client or stripe.RequestsClient(timeout=(3.0, 8.0)),
        }
        if api_base:
            options["base_addresses"] = {"api": api_base}
        self.client = stripe.StripeClient(api_key, **options)

    def subscriptions_of(self, customer_id: str) -> list[SubscriptionSnapshot]:
        page = self.client.v1.subscriptions.list(
            params={"customer": customer_id, "status": "all", "limit": 100}
        )
        return [subscription_snapshot(_plain(s)) for s in page.auto_paging_iter()]

    @functools.lru_cache(maxsize=16)  # noqa: B019 - one instance per container; prices are stable
    def price_id(self, lookup_key: str) -> str:
        prices = self.client.v1.prices.list(
            params={"lookup_keys": [lookup_key], "active": True, "limit": 1}
        )
        if not prices.data:
            raise LookupError(f"no active Stripe price with lookup key {lookup_key!r}")
        return str(prices.data[0]["id"])

    def create_customer(self, user_id: str, email: str | None) -> str:
        metadata = {"user_id": user_id}
        # Same key for the same user: concurrent first checkouts get one customer from Stripe.
        customer = self.client.v1.customers.create(
            params={"metadata": metadata, "email": email} if email else {"metadata": metadata},
            options={"idempotency_key": f"apisales-customer-{user_id}"},
        )
        return str(customer["id"])

    def create_checkout_session(
        self, *, user_id: str, customer_id: str, price_id: str, success_url: str,
        cancel_url: str,
    ) -> CheckoutLink:
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": user_id,
                "line_items": [{"price": price_id, "quantity": 1}],
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": {"user_id": user_id},
            }
        )
        return CheckoutLink(str(session["id"]), str(session["url"]))

    def retrieve_checkout_session(self, session_id: str) -> BillingObject | None:
        """The session as Stripe has it, or None when Stripe has no session with that id."""
        return self._retrieve(ObjectKind.CHECKOUT_SESSION, self.client.v1.checkout.sessions,
                              session_id)

    def retrieve_subscription(self, subscription_id: str) -> BillingObject | None:
        return self._retrieve(ObjectKind.SUBSCRIPTION, self.client.v1.subscriptions,
                              subscription_id)

    def retrieve_invoice(self, invoice_id: str) -> BillingObject | None:
        return self._retrieve(ObjectKind.INVOICE, self.client.v1.invoices, invoice_id)

    @staticmethod
    def _retrieve(kind: ObjectKind, service: Any, object_id: str) -> BillingObject | None:
        try:
            return billing_object(kind, _plain(service.retrieve(object_id)))
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                return None
            raise

    def expire_open_checkout_sessions(self, customer_id: str) -> int:
        """Expire the customer's open Checkout Sessions, so at most one can ever be paid."""
        sessions = self.client.v1.checkout.sessions.list(
            params={"customer": customer_id, "status": "open", "limit": 100}
        )
        expired = 0
        for session in sessions.auto_paging_iter():
            try:
                self.client.v1.checkout.sessions.expire(session["id"])
                expired += 1
            except stripe.InvalidRequestError:
                pass  # completed or expired meanwhile: nothing left to close
        return expired

    def cancel_subscriptions(self, customer_id: str) -> int:
        """Cancel the customer's not-yet-ended subscriptions now (account deletion)."""
        canceled = 0
        for sub in self.subscriptions_of(customer_id):
            if sub.status in ENDED:
                continue
            try:
                self.client.v1.subscriptions.cancel(sub.id)
                canceled += 1
            except stripe.InvalidRequestError:
                # Ended meanwhile (a concurrent deletion, the portal): fine if Stripe says so.
                current = _plain(self.client.v1.subscriptions.retrieve(sub.id))
                if current.get("status") not in ENDED:
                    raise
        return canceled

    def create_portal_session(
        self, customer_id: str, return_url: str, configuration: str,
        flow: PortalFlow | None = None,
    ) -> str:  # fmt: skip
        sessions = self.client.v1.billing_portal.sessions
        if flow is None:
            session = sessions.create(params={
                "customer": customer_id, "return_url": return_url, "configuration": configuration,
            })  # fmt: skip
        else:
            # A deep link: the portal opens on this one task and, once it is done, sends the
            # customer straight back instead of to the portal's homepage.
            session = sessions.create(params={
                "customer": customer_id, "return_url": return_url, "configuration": configuration,
                "flow_data": {
                    "type": flow.kind,
                    "after_completion": {"type": "redirect",
                                         "redirect": {"return_url": flow.return_url}},
                },
            })  # fmt: skip
        return str(session["url"])
