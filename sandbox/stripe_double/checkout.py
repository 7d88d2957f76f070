"""Checkout Sessions in subscription mode: create, expire, and pay (the hosted page's submit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from . import cards
from . import params as p
from .catalog import create_customer
from .errors import invalid
from .ids import new_id
from .store import Store
from .subscriptions import start_subscription
from .templates import template

ALLOWED = {
    "mode",
    "line_items",
    "success_url",
    "cancel_url",
    "customer",
    "customer_email",
    "client_reference_id",
    "metadata",
    "subscription_data",
    "allow_promotion_codes",
    "expires_at",
    "locale",
    "payment_method_types",
    "billing_address_collection",
    "customer_update",
    "automatic_tax",
    "ui_mode",
    "tax_id_collection",
    "consent_collection",
    "payment_method_collection",
    "custom_text",
    "saved_payment_method_options",
}


def create_session(store: Store, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    p.check_known(params, ALLOWED)
    mode = p.req_str(params, "mode")
    if mode != "subscription":
        raise invalid("The Stripe double supports only mode=subscription.", param="mode")
    success_url = p.req_str(params, "success_url")
    customer = p.opt_str(params, "customer")
    email = p.opt_str(params, "customer_email")
    if customer and email:
        raise invalid(
            "You may only specify one of these parameters: customer, customer_email.",
            param="customer_email",
        )
    if customer and not store.get(customer, "customer"):
        raise invalid(f"No such customer: '{customer}'", param="customer", code="resource_missing")
    items = params.get("line_items")
    if not isinstance(items, list) or not items:
        raise invalid("Missing required param: line_items.", param="line_items")
    if len(items) != 1 or not isinstance(items[0], dict):
        raise invalid("The Stripe double supports exactly one line item.", param="line_items")
    price_id = p.req_str(items[0], "price") if "price" in items[0] else None
    if not price_id:
        raise invalid("Missing required param: line_items[0][price].", param="line_items[0][price]")
    price = store.get(price_id, "price")
    if not price:
        raise invalid(
            f"No such price: '{price_id}'", param="line_items[0][price]", code="resource_missing"
        )
    if price["type"] != "recurring":
        raise invalid(
            "You must provide at least one recurring price in `subscription` mode "
            "when using prices.",
            param="line_items[0][price]",
        )
    quantity = p.opt_int(items[0], "quantity", minimum=1) or 1
    sub_data = p.sub_dict(params, "subscription_data")
    now = store.now_for(customer)
    session = template("checkout.session")
    session["id"] = new_id("cs_test_", 58)
    amount = price["unit_amount"] * quantity
    session.update(
        mode="subscription",
        success_url=success_url,
        cancel_url=p.opt_str(params, "cancel_url"),
        customer=customer,
        customer_email=email,
        customer_details=None,
        client_reference_id=p.opt_str(params, "client_reference_id"),
        metadata=p.metadata(params) or {},
        created=now,
        expires_at=p.opt_int(params, "expires_at", minimum=now) or now + 86400,
        currency=price["currency"],
        amount_subtotal=amount,
        amount_total=amount,
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        payment_intent=None,
        payment_status="unpaid",
        status="open",
        subscription=None,
        invoice=None,
        livemode=False,
        locale=p.opt_str(params, "locale"),
        url=f"{base_url}/c/pay/{session['id']}",
        after_expiration=None,
        consent=None,
        consent_collection=None,
        custom_text={
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        customer_creation=None,
        invoice_creation=None,
        payment_method_collection="always",
        payment_method_configuration_details=None,
        shipping_address_collection=None,
        shipping_cost=None,
        currency_conversion=None,
        collected_information=None,
        adaptive_pricing=None,
        allow_promotion_codes=p.opt_bool(params, "allow_promotion_codes"),
        discounts=[],
        wallet_options=None,
        managed_payments=None,
        ui_mode="hosted",
    )
    meta = {
        "price": price_id,
        "quantity": quantity,
        "subscription_metadata": p.metadata(sub_data) or {},
    }
    return store.add(session, meta=meta)


def expire_session(store: Store, session: dict[str, Any]) -> dict[str, Any]:
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. '
            f'This Checkout Session has a status of "{session["status"]}".'
        )
    session["status"] = "expired"
    store.emit("checkout.session.expired", session)
    return session


def pay_session(
    store: Store,
    session: dict[str, Any],
    card_number: str,
    email: str | None = None,
    exp: str | None = None,
    cvc: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """What clicking "Subscribe" on the hosted page does. Raises a card_error on decline."""
    if session["status"] != "open":
        raise invalid(f"This Checkout Session is {session['status']} and can no longer be paid.")
    if session["expires_at"] <= store.now_for(session.get("customer")):
        session["status"] = "expired"
        store.emit("checkout.session.expired", session)
        raise invalid("This Checkout Session has expired.")
    card = cards.lookup(card_number)
    if exp is not None or cvc is not None:
        today = datetime.fromtimestamp(store.now_for(session.get("customer")), UTC)
        cards.check_expiry_cvc(exp or "", cvc or "", today.year, today.month)
    customer = store.get(session["customer"] or "", "customer")
    email = (email or "").strip() or session.get("customer_email") or (customer or {}).get("email")
    if not email or "@" not in email:
        raise invalid("Enter a valid email address.", param="email")
    if not card.first_charge_ok:
        raise cards.decline(card)
    meta = store.meta[session["id"]]
    price = store.get(meta["price"], "price")
    assert price is not None
    if customer is None:
        customer = create_customer(store, {"email": email, "name": name or ""})
    sub, invoice = start_subscription(
        store, customer, price, meta["quantity"], card, meta["subscription_metadata"]
    )
    session.update(
        status="complete",
        payment_status="paid",
        customer=customer["id"],
        subscription=sub["id"],
        invoice=invoice["id"],
        customer_details={
            "address": None,
            "email": email,
            "name": name or customer.get("name"),
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
            "business_name": None,
            "individual_name": None,
        },
    )
    store.emit("customer.subscription.created", sub)
    store.emit("invoice.paid", invoice)
    store.emit("checkout.session.completed", session)
    return session
