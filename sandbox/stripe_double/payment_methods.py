"""The portal's payment-method update: a new default card for the customer, then an attempt
to pay every past-due subscription's open invoice with it.

Stripe's portal sets the new card as ``customer.invoice_settings.default_payment_method``
and retries the open invoice, so a past-due subscription becomes active again at once when
the card pays. The double has no PaymentMethod objects (docs/stripe-double.md, "Not
covered"): the id it records is a fresh ``pm_`` and the card behind it is kept in the
subscriptions' bookkeeping, where renewals read it.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from . import cards, subscriptions
from .ids import new_id
from .store import Store


def update_default_card(
    store: Store, customer_id: str, number: str, exp: str, cvc: str
) -> dict[str, Any]:
    """What submitting the portal's card form does. Raises a card_error on a bad card.
    Returns ``{"payment_method", "paid": [invoice ids], "failed": [invoice ids]}``."""
    card = cards.lookup(number)
    now = store.now_for(customer_id)
    today = datetime.fromtimestamp(now, UTC)
    cards.check_expiry_cvc(exp, cvc, today.year, today.month)
    if not card.first_charge_ok:  # declined when attached, as Stripe's SetupIntent would be
        raise cards.decline(card)
    customer = store.get(customer_id, "customer")
    assert customer is not None
    previous = {"invoice_settings": copy.deepcopy(customer["invoice_settings"])}
    pm_id = new_id("pm_")
    customer["invoice_settings"]["default_payment_method"] = pm_id
    store.emit("customer.updated", customer, previous)
    paid: list[str] = []
    failed: list[str] = []
    for sub in store.scan("subscription"):
        if sub["customer"] != customer_id or sub["status"] == "canceled":
            continue
        store.get(sub["id"])  # changes below are persisted
        store.meta.setdefault(sub["id"], {})["card"] = card.number
        invoice_id = sub.get("latest_invoice")
        if sub["status"] == "past_due":
            ok = subscriptions.attempt_open_invoice(store, sub, card, now)
            (paid if ok else failed).append(invoice_id)
    return {"payment_method": pm_id, "paid": paid, "failed": failed}


def card_label(store: Store, customer_id: str) -> str | None:
    """"Visa •••• 4242" for the card the customer's live subscriptions charge, if any."""
    for sub in store.scan("subscription"):
        if sub["customer"] == customer_id and sub["status"] != "canceled":
            number = store.meta.get(sub["id"], {}).get("card")
            card = cards.CARDS.get(number or "")
            if card:
                return f"{card.brand.capitalize()} •••• {card.number[-4:]}"
    return None
