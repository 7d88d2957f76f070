"""Subscriptions and their invoices: start, renew, fail, retry, cancel.

Time only moves when a clock moves (`advance`): each due step (period end, payment retry)
is applied at its own timestamp, so events carry the time Stripe would have sent them.
"""

from __future__ import annotations

import copy
from typing import Any

from . import cards
from .catalog import format_amount
from .errors import invalid
from .ids import new_id
from .store import Store
from .templates import template
from .timeutil import add_interval

# Days after the first failed renewal at which Stripe retries, then gives up and cancels.
RETRY_DAYS = (3, 5, 7)


def _plan_from_price(price: dict[str, Any]) -> dict[str, Any]:
    plan = copy.deepcopy(template("subscription")["items"]["data"][0]["plan"])
    rec = price.get("recurring") or {}
    plan.update(
        id=price["id"],
        amount=price["unit_amount"],
        amount_decimal=str(price["unit_amount"]),
        billing_scheme="per_unit",
        created=price["created"],
        currency=price["currency"],
        interval=rec.get("interval", "month"),
        interval_count=rec.get("interval_count", 1),
        livemode=False,
        metadata=price.get("metadata", {}),
        nickname=price.get("nickname"),
        product=price["product"],
        transform_usage=None,
        active=price["active"],
    )
    return plan


def start_subscription(
    store: Store,
    customer: dict[str, Any],
    price: dict[str, Any],
    quantity: int,
    card: cards.Card,
    metadata: dict[str, str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Create an active subscription and its paid first invoice (checkout just charged)."""
    now = store.now_for(customer["id"])
    rec = price["recurring"]
    end = add_interval(now, rec["interval"], rec["interval_count"])
    sub = template("subscription")
    sub_id = new_id("sub_")
    item = sub["items"]["data"][0]
    item.update(
        id=new_id("si_", 14),
        created=now,
        price=copy.deepcopy(price),
        plan=_plan_from_price(price),
        quantity=quantity,
        subscription=sub_id,
        metadata={},
        discounts=[],
        tax_rates=[],
        current_period_start=now,
        current_period_end=end,
        billing_thresholds=None,
    )
    sub.update(
        id=sub_id,
        customer=customer["id"],
        created=now,
        start_date=now,
        billing_cycle_anchor=now,
        billing_cycle_anchor_config=None,
        cancel_at=None,
        canceled_at=None,
        ended_at=None,
        trial_end=None,
        trial_start=None,
        cancel_at_period_end=False,
        currency=price["currency"],
        status="active",
        metadata=metadata,
        next_pending_invoice_item_invoice=None,
        pause_collection=None,
        pending_invoice_item_interval=None,
        pending_update=None,
        transfer_data=None,
        billing_thresholds=None,
        billing_schedules=[],
        test_clock=customer.get("test_clock"),
        default_payment_method=None,
        description=None,
        discounts=[],
    )
    sub["items"]["url"] = f"/v1/subscription_items?subscription={sub_id}"
    store.add(sub, meta={"card": card.number})
    invoice = _new_invoice(store, sub, customer, now, end, "subscription_create")
    _mark_paid(invoice, now)
    sub["latest_invoice"] = invoice["id"]
    return sub, invoice


def _new_invoice(
    store: Store, sub: dict[str, Any], customer: dict[str, Any], start: int, end: int, reason: str
) -> dict[str, Any]:
    item = sub["items"]["data"][0]
    price = item["price"]
    amount = price["unit_amount"] * item["quantity"]
    inv = template("invoice")
    inv_id = new_id("in_")
    line = inv["lines"]["data"][0]
    inv["lines"]["url"] = f"/v1/invoices/{inv_id}/lines"
    product = store.get(price["product"]) or {"name": price["product"]}
    unit = format_amount(price["unit_amount"], price["currency"])
    interval = price["recurring"]["interval"]
    line.update(
        id=new_id("il_"),
        invoice=inv_id,
        amount=amount,
        currency=price["currency"],
        description=f"{item['quantity']} × {product['name']} (at {unit} / {interval})",
        discount_amounts=[],
        discounts=[],
        metadata={},
        period={"start": start, "end": end},
        quantity=item["quantity"],
        subscription=sub["id"],
        pretax_credit_amounts=[],
        taxes=[],
        parent={
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"],
            },
        },
        pricing={"type": "price_details", "unit_amount_decimal": str(price["unit_amount"])},
        subtotal=amount,
    )
    seq = customer.get("next_invoice_sequence", 1)
    customer["next_invoice_sequence"] = seq + 1
    inv.update(
        id=inv_id,
        customer=customer["id"],
        customer_email=customer.get("email"),
        customer_name=customer.get("name"),
        customer_address=None,
        customer_shipping=None,
        amount_due=amount,
        amount_paid=0,
        amount_remaining=amount,
        amount_overpaid=0,
        attempt_count=0,
        attempted=False,
        auto_advance=True,
        billing_reason=reason,
        created=start,
        currency=price["currency"],
        due_date=None,
        effective_at=start,
        ending_balance=0,
        from_invoice=None,
        last_finalization_error=None,
        number=f"{customer['invoice_prefix']}-{seq:04d}",
        next_payment_attempt=None,
        period_start=start,
        period_end=end,
        shipping_cost=None,
        shipping_details=None,
        status="open",
        subtotal=amount,
        subtotal_excluding_tax=amount,
        total=amount,
        total_excluding_tax=amount,
        test_clock=sub.get("test_clock"),
        subscription=sub["id"],
        webhooks_delivered_at=None,
        total_taxes=[],
        total_pretax_credit_amounts=[],
        status_transitions={
            "finalized_at": start,
            "marked_uncollectible_at": None,
            "paid_at": None,
            "voided_at": None,
        },
        parent={
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": dict(sub["metadata"]), "subscription": sub["id"]},
        },
    )
    return store.add(inv)


def _mark_paid(inv: dict[str, Any], at: int) -> None:
    inv.update(
        status="paid",
        amount_paid=inv["amount_due"],
        amount_remaining=0,
        attempted=True,
        attempt_count=inv["attempt_count"] + 1,
        next_payment_attempt=None,
    )
    inv["status_transitions"]["paid_at"] = at


def _sub_snapshot(sub: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: copy.deepcopy(sub[f]) for f in fields}


def set_cancel_at_period_end(store: Store, sub: dict[str, Any], flag: bool) -> dict[str, Any]:
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid(
            "A canceled subscription can only update its cancellation_details and metadata.",
            param="cancel_at_period_end",
        )
    if sub["cancel_at_period_end"] == flag:
        return sub
    previous = _sub_snapshot(sub, ("cancel_at_period_end", "cancel_at", "canceled_at"))
    now = store.now_for(sub["customer"])
    end = sub["items"]["data"][0]["current_period_end"]
    sub.update(
        cancel_at_period_end=flag,
        cancel_at=end if flag else None,
        canceled_at=now if flag else None,
    )
    sub["cancellation_details"] = {
        "comment": None,
        "feedback": None,
        "reason": "cancellation_requested" if flag else None,
    }
    store.emit("customer.subscription.updated", sub, previous)
    return sub


def cancel_now(
    store: Store, sub: dict[str, Any], reason: str = "cancellation_requested", at: int | None = None
) -> dict[str, Any]:
    if sub["status"] == "canceled":
        raise invalid(
            f"No such subscription: '{sub['id']}' (already canceled)",
            code="resource_missing",
            param="id",
        )
    when = at if at is not None else store.now_for(sub["customer"])
    sub.update(
        status="canceled",
        ended_at=when,
        canceled_at=sub.get("canceled_at") or when,
        cancel_at=sub.get("cancel_at"),
    )
    sub["cancellation_details"] = {"comment": None, "feedback": None, "reason": reason}
    for inv in store.scan("invoice"):
        if inv.get("subscription") == sub["id"] and inv["status"] == "open":
            store.get(inv["id"])  # marks it changed (scan is read-only)
            inv["next_payment_attempt"] = None
    store.emit("customer.subscription.deleted", sub)
    return sub


def _next_due(store: Store, sub: dict[str, Any]) -> int | None:
    if sub["status"] == "active":
        return sub["items"]["data"][0]["current_period_end"]
    if sub["status"] == "past_due":
        inv = store.get(sub.get("latest_invoice") or "", "invoice")
        if inv and inv["status"] == "open" and inv.get("next_payment_attempt"):
            return inv["next_payment_attempt"]
    return None


def _step(store: Store, sub: dict[str, Any], at: int) -> None:
    """Apply one due action of `sub` at time `at`."""
    customer = store.get(sub["customer"], "customer") or {}
    card = cards.CARDS.get(
        store.meta.get(sub["id"], {}).get("card", ""), cards.CARDS["4242424242424242"]
    )
    if sub["status"] == "past_due":
        inv = store.get(sub["latest_invoice"], "invoice")
        assert inv is not None
        _retry(store, sub, inv, card, at)
        return
    if sub["cancel_at_period_end"]:
        cancel_now(store, sub, at=at)
        return
    item = sub["items"]["data"][0]
    rec = item["price"]["recurring"]
    start = item["current_period_end"]
    end = add_interval(start, rec["interval"], rec["interval_count"])
    previous = {"items": copy.deepcopy(sub["items"]), "latest_invoice": sub["latest_invoice"]}
    item.update(current_period_start=start, current_period_end=end)
    inv = _new_invoice(store, sub, customer, start, end, "subscription_cycle")
    sub["latest_invoice"] = inv["id"]
    if card.renewals_ok:
        _mark_paid(inv, at)
        store.emit("customer.subscription.updated", sub, previous)
        store.emit("invoice.paid", inv)
        return
    inv.update(attempted=True, attempt_count=1, next_payment_attempt=at + RETRY_DAYS[0] * 86400)
    previous["status"] = sub["status"]
    sub["status"] = "past_due"
    store.emit("invoice.payment_failed", inv)
    store.emit("customer.subscription.updated", sub, previous)


def _retry(
    store: Store, sub: dict[str, Any], inv: dict[str, Any], card: cards.Card, at: int
) -> None:
    attempt = inv["attempt_count"] + 1
    if card.renewals_ok:
        _recover(store, sub, inv, at)
        return
    last = attempt > len(RETRY_DAYS)
    inv.update(
        attempt_count=attempt,
        next_payment_attempt=None if last else inv["created"] + RETRY_DAYS[attempt - 1] * 86400,
    )
    store.emit("invoice.payment_failed", inv)
    if last:
        cancel_now(store, sub, reason="payment_failed", at=at)


def _recover(store: Store, sub: dict[str, Any], inv: dict[str, Any], at: int) -> None:
    _mark_paid(inv, at)
    previous = {"status": sub["status"]}
    sub["status"] = "active"
    store.emit("invoice.paid", inv)
    store.emit("customer.subscription.updated", sub, previous)


def attempt_open_invoice(store: Store, sub: dict[str, Any], card: cards.Card, at: int) -> bool:
    """Charge a past-due subscription's open invoice now, outside the retry schedule (the
    customer gave a new card). True when it was paid; a failed attempt leaves the schedule."""
    inv = store.get(sub.get("latest_invoice") or "", "invoice")
    if sub["status"] != "past_due" or inv is None or inv["status"] != "open":
        return False
    if card.renewals_ok:
        _recover(store, sub, inv, at)
        return True
    inv.update(attempted=True, attempt_count=inv["attempt_count"] + 1)
    store.emit("invoice.payment_failed", inv)
    return False


def run_until(store: Store, target: int, clock_id: str | None) -> None:
    """Apply, in time order, every due step of the subscriptions on `clock_id` up to `target`."""
    for _ in range(10_000):  # bounded: a clock moved years ahead still terminates
        due: list[tuple[int, dict[str, Any]]] = []
        for sub in store.scan("subscription"):
            if sub.get("test_clock") != clock_id:
                continue
            when = _next_due(store, sub)
            if when is not None and when <= target:
                due.append((when, sub))
        if not due:
            return
        when, sub = min(due, key=lambda pair: pair[0])
        store.get(sub["id"])  # found by a read-only scan; this step changes it
        store.time_override = when  # events of this step carry its own time
        try:
            _step(store, sub, when)
        finally:
            store.time_override = None
