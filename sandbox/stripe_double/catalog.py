"""Products, prices, customers, webhook endpoints: create/update from request params."""

from __future__ import annotations

import secrets
from typing import Any

from . import params as p
from .errors import invalid, missing
from .ids import new_id
from .store import API_VERSION, Store
from .templates import template

ZERO_DECIMAL = {
    "jpy",
    "krw",
    "vnd",
    "clp",
    "pyg",
    "ugx",
    "xaf",
    "xof",
    "bif",
    "djf",
    "gnf",
    "kmf",
    "mga",
    "rwf",
    "vuv",
    "xpf",
}
ALL_EVENTS = "*"


def create_product(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(
        params,
        {"name", "description", "metadata", "active", "id", "default_price_data",
         "marketing_features"},
    )  # fmt: skip
    obj = template("product")
    now = store.global_now()
    obj.update(
        id=p.opt_str(params, "id") or new_id("prod_", 14),
        name=p.req_str(params, "name"),
        description=p.opt_str(params, "description"),
        metadata=p.metadata(params) or {},
        active=p.opt_bool(params, "active") is not False,
        created=now,
        updated=now,
        default_price=None,
        package_dimensions=None,
        shippable=None,
        type="service",
        images=[],
        marketing_features=_marketing_features(params),
    )
    if store.get(obj["id"]):
        raise invalid(
            f"Product already exists: {obj['id']}", param="id", code="resource_already_exists"
        )
    return store.add(obj)


def _marketing_features(params: dict[str, Any]) -> list[dict[str, str]]:
    value = params.get("marketing_features") or []
    if not isinstance(value, list) or len(value) > 15:
        raise invalid("Invalid array: marketing_features", param="marketing_features")
    features = []
    for index, item in enumerate(value):
        name = p.opt_str(item, "name") if isinstance(item, dict) else None
        if name is None:
            raise invalid(f"Missing required param: marketing_features[{index}][name].",
                          param=f"marketing_features[{index}][name]")  # fmt: skip
        features.append({"name": name})
    return features


def create_price(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(
        params,
        {
            "product",
            "product_data",
            "unit_amount",
            "currency",
            "recurring",
            "lookup_key",
            "transfer_lookup_key",
            "nickname",
            "metadata",
            "active",
            "tax_behavior",
        },
    )
    currency = p.req_str(params, "currency").lower()
    if len(currency) != 3 or not currency.isalpha():
        raise invalid(f"Invalid currency: {currency}", param="currency")
    amount = p.opt_int(params, "unit_amount", minimum=0)
    if amount is None:
        raise invalid("Missing required param: unit_amount.", param="unit_amount")
    product_id = p.opt_str(params, "product")
    if product_id:
        if not store.get(product_id, "product"):
            raise invalid(
                f"No such product: '{product_id}'", param="product", code="resource_missing"
            )
    else:
        data = p.sub_dict(params, "product_data")
        if not data:
            raise invalid("Missing required param: product.", param="product")
        product_id = create_product(store, {"name": p.req_str(data, "name")})["id"]
    recurring = p.sub_dict(params, "recurring")
    lookup_key = p.opt_str(params, "lookup_key")
    if lookup_key:
        for other in store.all("price"):
            if other.get("lookup_key") == lookup_key:
                if p.opt_bool(params, "transfer_lookup_key"):
                    other["lookup_key"] = None
                else:
                    raise invalid(
                        f"A price (`{other['id']}`) already uses that lookup key.",
                        param="lookup_key",
                    )
    obj = template("price")
    obj.update(
        id=new_id("price_"),
        product=product_id,
        currency=currency,
        unit_amount=amount,
        unit_amount_decimal=str(amount),
        lookup_key=lookup_key,
        nickname=p.opt_str(params, "nickname"),
        metadata=p.metadata(params) or {},
        active=p.opt_bool(params, "active") is not False,
        created=store.global_now(),
        custom_unit_amount=None,
        transform_quantity=None,
        tax_behavior=p.opt_str(params, "tax_behavior") or "unspecified",
    )
    if recurring:
        interval = p.req_str(recurring, "interval")
        if interval not in ("day", "week", "month", "year"):
            raise invalid(
                f"Invalid recurring[interval]: {interval[:20]}", param="recurring[interval]"
            )
        obj["type"] = "recurring"
        obj["recurring"] = {
            "interval": interval,
            "interval_count": p.opt_int(recurring, "interval_count", minimum=1) or 1,
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": None,
        }
    else:
        obj["type"], obj["recurring"] = "one_time", None
    return store.add(obj)


def create_customer(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(params, {"email", "name", "description", "metadata", "phone", "test_clock"})
    clock = p.opt_str(params, "test_clock")
    if clock and not store.get(clock, "test_helpers.test_clock"):
        raise invalid(f"No such test clock: '{clock}'", param="test_clock", code="resource_missing")
    obj = template("customer")
    obj.update(
        id=new_id("cus_", 14),
        email=p.opt_str(params, "email"),
        name=p.opt_str(params, "name"),
        description=p.opt_str(params, "description"),
        phone=p.opt_str(params, "phone"),
        metadata=p.metadata(params) or {},
        test_clock=clock,
        address=None,
        discount=None,
        currency=None,
        shipping=None,
        invoice_prefix=secrets.token_hex(4).upper(),
    )
    obj["created"] = store.now_for(None) if not clock else store.get(clock)["frozen_time"]
    store.add(obj)
    store.emit("customer.created", obj)
    return obj


def update_customer(store: Store, obj: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(params, {"email", "name", "description", "metadata", "phone"})
    previous: dict[str, Any] = {}
    for field in ("email", "name", "description", "phone"):
        if field in params:
            previous[field] = obj[field]
            obj[field] = p.opt_str(params, field)
    meta = p.metadata(params)
    if meta is not None:
        previous["metadata"] = dict(obj["metadata"])
        obj["metadata"] = {**obj["metadata"], **meta} if meta else {}
    store.emit("customer.updated", obj, previous)
    return obj


def create_webhook_endpoint(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(params, {"url", "enabled_events", "description", "metadata", "api_version"})
    url = p.req_str(params, "url")
    if not url.startswith(("http://", "https://")):
        raise invalid("Invalid URL: must start with http:// or https://", param="url")
    events = p.str_list(params, "enabled_events")
    if not events:
        raise invalid("Missing required param: enabled_events.", param="enabled_events")
    api_version = p.opt_str(params, "api_version")
    if api_version is not None and api_version != API_VERSION:
        # Stripe renders events in the endpoint's version; the double speaks only its own.
        raise invalid(f"Invalid api_version: the double speaks {API_VERSION} only",
                      param="api_version")  # fmt: skip
    obj = template("webhook_endpoint")
    obj.update(
        id=new_id("we_"),
        url=url,
        enabled_events=events,
        created=store.global_now(),
        description=p.opt_str(params, "description"),
        metadata=p.metadata(params) or {},
        api_version=api_version,
        status="enabled",
    )
    secret = "whsec_" + secrets.token_hex(24)
    store.add(obj, meta={"secret": secret})
    # Stripe shows the signing secret only in the create response.
    return {**obj, "secret": secret}


def update_webhook_endpoint(store: Store, obj: dict[str, Any], params: dict[str, Any]) -> None:
    """Stripe lets the URL, events, description, metadata and ``disabled`` change; the API
    version is fixed at creation."""
    p.check_known(params, {"url", "enabled_events", "description", "metadata", "disabled"})
    url = p.opt_str(params, "url")
    if url is not None:
        if not url.startswith(("http://", "https://")):
            raise invalid("Invalid URL: must start with http:// or https://", param="url")
        obj["url"] = url
    events = p.str_list(params, "enabled_events")
    if events is not None:
        if not events:
            raise invalid("Invalid array: enabled_events", param="enabled_events")
        obj["enabled_events"] = events
    if "description" in params:
        obj["description"] = p.opt_str(params, "description")
    meta = p.metadata(params)
    if meta is not None:
        obj["metadata"] = {**obj["metadata"], **meta} if meta else {}
    disabled = p.opt_bool(params, "disabled")
    if disabled is not None:
        obj["status"] = "disabled" if disabled else "enabled"


def create_test_clock(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(params, {"frozen_time", "name"})
    frozen = p.opt_int(params, "frozen_time", minimum=0)
    if frozen is None:
        raise invalid("Missing required param: frozen_time.", param="frozen_time")
    obj = template("test_helpers.test_clock")
    obj.update(
        id=new_id("clock_"),
        frozen_time=frozen,
        name=p.opt_str(params, "name"),
        created=store.global_now(),
        deletes_after=store.global_now() + 30 * 86400,
        status="ready",
        status_details={},
    )
    return store.add(obj)


def require(store: Store, obj_id: str, kind: str, label: str) -> dict[str, Any]:
    obj = store.get(obj_id, kind)
    if obj is None:
        raise missing(label, obj_id)
    return obj


def format_amount(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "jpy": "¥", "eur": "€", "gbp": "£"}.get(currency, "")
    text = f"{amount:,}" if currency in ZERO_DECIMAL else f"{amount / 100:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"
