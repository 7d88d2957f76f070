"""The /v1 REST surface: route table, auth, idempotency replay, dispatch to the domain code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import catalog, checkout, portal, subscriptions
from . import params as p
from .catalog import require
from .errors import StripeError, invalid
from .listing import expand, paginate
from .store import Store

Params = dict[str, Any]
Resp = tuple[int, dict[str, Any]]
Match = re.Match[str]
Handler = Callable[["Ctx", dict[str, Any], re.Match[str]], tuple[int, dict[str, Any]]]


@dataclass
class Ctx:
    store: Store
    base_url: str


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn

    return register


def _expand_list(ctx: Ctx, params: dict[str, Any]) -> list[str]:
    return p.str_list(params, "expand") or []


def _one(ctx: Ctx, obj: dict[str, Any], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 200, expand(ctx.store, obj, _expand_list(ctx, params))


def _list(
    ctx: Ctx, objs: list[dict[str, Any]], params: dict[str, Any], url: str, filters: set[str]
) -> tuple[int, dict[str, Any]]:
    p.check_known(params, filters | {"limit", "starting_after", "ending_before"})
    page = paginate(objs, params, url)
    return 200, expand(ctx.store, page, _expand_list(ctx, params))


# -- products & prices --------------------------------------------------------------------
@route("POST", "/v1/products")
def _create_product(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, catalog.create_product(ctx.store, params), params)


def _list_matching(
    ctx: Ctx, params: Params, kind: str, path: str, fields: tuple[str, ...]
) -> Resp:
    """A list endpoint whose filters are plain equality on top-level string fields."""
    wanted = {f: p.opt_str(params, f) for f in fields}
    objs = [
        o
        for o in ctx.store.scan(kind)
        if all(value is None or o[f] == value for f, value in wanted.items())
    ]
    return _list(ctx, objs, params, path, set(fields))


@route("GET", "/v1/products")
def _list_products(ctx: Ctx, params: Params, m: Match) -> Resp:
    active = p.opt_bool(params, "active")
    objs = [o for o in ctx.store.scan("product") if active is None or o["active"] == active]
    return _list(ctx, objs, params, "/v1/products", {"active"})


@route("GET", "/v1/products/(?P<id>[^/]+)")
def _get_product(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "product", "product"), params)


@route("POST", "/v1/prices")
def _create_price(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, catalog.create_price(ctx.store, params), params)


@route("GET", "/v1/prices")
def _list_prices(ctx: Ctx, params: Params, m: Match) -> Resp:
    keys = p.str_list(params, "lookup_keys")
    if keys is not None and len(keys) > 10:
        raise invalid("You may pass at most 10 lookup keys.", param="lookup_keys")
    active = p.opt_bool(params, "active")
    product = p.opt_str(params, "product")
    ptype = p.opt_str(params, "type")
    objs = [
        o
        for o in ctx.store.scan("price")
        if (keys is None or o["lookup_key"] in keys)
        and (active is None or o["active"] == active)
        and (product is None or o["product"] == product)
        and (ptype is None or o["type"] == ptype)
    ]
    return _list(ctx, objs, params, "/v1/prices", {"lookup_keys", "active", "product", "type"})


@route("GET", "/v1/prices/(?P<id>[^/]+)")
def _get_price(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "price", "price"), params)


# -- customers ----------------------------------------------------------------------------
@route("POST", "/v1/customers")
def _create_customer(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, catalog.create_customer(ctx.store, params), params)


@route("GET", "/v1/customers")
def _list_customers(ctx: Ctx, params: Params, m: Match) -> Resp:
    email = p.opt_str(params, "email")
    objs = [o for o in ctx.store.scan("customer") if email is None or o["email"] == email]
    return _list(ctx, objs, params, "/v1/customers", {"email", "test_clock"})


@route("GET", "/v1/customers/(?P<id>[^/]+)")
def _get_customer(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "customer", "customer"), params)


@route("POST", "/v1/customers/(?P<id>[^/]+)")
def _update_customer(ctx: Ctx, params: Params, m: Match) -> Resp:
    obj = require(ctx.store, m["id"], "customer", "customer")
    return _one(ctx, catalog.update_customer(ctx.store, obj, params), params)


# -- checkout -----------------------------------------------------------------------------
@route("POST", "/v1/checkout/sessions")
def _create_session(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, checkout.create_session(ctx.store, params, ctx.base_url), params)


@route("GET", "/v1/checkout/sessions")
def _list_sessions(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _list_matching(ctx, params, "checkout.session", "/v1/checkout/sessions",
                          ("customer", "subscription", "status"))  # fmt: skip


@route("GET", "/v1/checkout/sessions/(?P<id>[^/]+)")
def _get_session(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "checkout.session", "checkout.session"), params)


@route("POST", "/v1/checkout/sessions/(?P<id>[^/]+)/expire")
def _expire_session(ctx: Ctx, params: Params, m: Match) -> Resp:
    p.check_known(params, set())
    obj = require(ctx.store, m["id"], "checkout.session", "checkout.session")
    return _one(ctx, checkout.expire_session(ctx.store, obj), params)


# -- subscriptions & invoices -------------------------------------------------------------
@route("GET", "/v1/subscriptions")
def _list_subs(ctx: Ctx, params: Params, m: Match) -> Resp:
    customer, price = p.opt_str(params, "customer"), p.opt_str(params, "price")
    status = p.opt_str(params, "status")
    created = p.created_filter(params)
    objs = [
        o
        for o in ctx.store.scan("subscription")
        if (customer is None or o["customer"] == customer)
        and (created is None or created(o))
        and (price is None or o["items"]["data"][0]["price"]["id"] == price)
        # Stripe leaves canceled subscriptions out unless asked for them.
        and (
            o["status"] == status
            if status not in (None, "all")
            else status == "all" or o["status"] != "canceled"
        )
    ]
    return _list(
        ctx, objs, params, "/v1/subscriptions",
        {"customer", "price", "status", "test_clock", "created"},
    )


@route("GET", "/v1/subscriptions/(?P<id>[^/]+)")
def _get_sub(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "subscription", "subscription"), params)


@route("POST", "/v1/subscriptions/(?P<id>[^/]+)")
def _update_sub(ctx: Ctx, params: Params, m: Match) -> Resp:
    p.check_known(params, {"cancel_at_period_end", "metadata", "cancellation_details"})
    sub = require(ctx.store, m["id"], "subscription", "subscription")
    flag = p.opt_bool(params, "cancel_at_period_end")
    if flag is not None:
        subscriptions.set_cancel_at_period_end(ctx.store, sub, flag)
    meta = p.metadata(params)
    if meta is not None:
        previous = {"metadata": dict(sub["metadata"])}
        sub["metadata"] = {**sub["metadata"], **meta} if meta else {}
        ctx.store.emit("customer.subscription.updated", sub, previous)
    return _one(ctx, sub, params)


@route("DELETE", "/v1/subscriptions/(?P<id>[^/]+)")
def _cancel_sub(ctx: Ctx, params: Params, m: Match) -> Resp:
    p.check_known(params, {"invoice_now", "prorate", "cancellation_details"})
    sub = require(ctx.store, m["id"], "subscription", "subscription")
    return _one(ctx, subscriptions.cancel_now(ctx.store, sub), params)


@route("GET", "/v1/invoices")
def _list_invoices(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _list_matching(ctx, params, "invoice", "/v1/invoices",
                          ("customer", "subscription", "status"))  # fmt: skip


@route("GET", "/v1/invoices/(?P<id>[^/]+)")
def _get_invoice(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "invoice", "invoice"), params)


# -- portal, webhooks, events, test clocks ------------------------------------------------
@route("POST", "/v1/billing_portal/sessions")
def _create_portal(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, portal.create_session(ctx.store, params, ctx.base_url), params)


@route("POST", "/v1/billing_portal/configurations")
def _create_portal_config(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, portal.create_configuration(ctx.store, params), params)


@route("GET", "/v1/billing_portal/configurations")
def _list_portal_configs(ctx: Ctx, params: Params, m: Match) -> Resp:
    active, default = p.opt_bool(params, "active"), p.opt_bool(params, "is_default")
    objs = [
        o
        for o in ctx.store.all(portal.KIND)
        if (active is None or o["active"] == active)
        and (default is None or o["is_default"] == default)
    ]
    return _list(ctx, objs, params, "/v1/billing_portal/configurations", {"active", "is_default"})


@route("GET", "/v1/billing_portal/configurations/(?P<id>[^/]+)")
def _get_portal_config(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], portal.KIND, "configuration"), params)


@route("POST", "/v1/billing_portal/configurations/(?P<id>[^/]+)")
def _update_portal_config(ctx: Ctx, params: Params, m: Match) -> Resp:
    obj = require(ctx.store, m["id"], portal.KIND, "configuration")
    portal.update_configuration(ctx.store, obj, params)
    return _one(ctx, obj, params)


@route("POST", "/v1/webhook_endpoints")
def _create_we(ctx: Ctx, params: Params, m: Match) -> Resp:
    return 200, catalog.create_webhook_endpoint(ctx.store, params)


@route("GET", "/v1/webhook_endpoints")
def _list_we(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _list(ctx, ctx.store.scan("webhook_endpoint"), params, "/v1/webhook_endpoints", set())


@route("GET", "/v1/webhook_endpoints/(?P<id>[^/]+)")
def _get_we(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "webhook_endpoint", "webhook endpoint"), params)


@route("POST", "/v1/webhook_endpoints/(?P<id>[^/]+)")
def _update_we(ctx: Ctx, params: Params, m: Match) -> Resp:
    obj = require(ctx.store, m["id"], "webhook_endpoint", "webhook endpoint")
    catalog.update_webhook_endpoint(ctx.store, obj, params)
    return _one(ctx, obj, params)


@route("DELETE", "/v1/webhook_endpoints/(?P<id>[^/]+)")
def _delete_we(ctx: Ctx, params: Params, m: Match) -> Resp:
    require(ctx.store, m["id"], "webhook_endpoint", "webhook endpoint")
    ctx.store.delete(m["id"])
    return 200, {"id": m["id"], "object": "webhook_endpoint", "deleted": True}


@route("GET", "/v1/events")
def _list_events(ctx: Ctx, params: Params, m: Match) -> Resp:
    etype = p.opt_str(params, "type")
    types = p.str_list(params, "types")
    created = p.created_filter(params)
    objs = [
        o
        for o in ctx.store.scan("event")
        if (etype is None or o["type"] == etype) and (types is None or o["type"] in types)
        and (created is None or created(o))
    ]
    return _list(ctx, objs, params, "/v1/events", {"type", "types", "created", "delivery_success"})


@route("GET", "/v1/events/(?P<id>[^/]+)")
def _get_event(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "event", "event"), params)


@route("POST", "/v1/test_helpers/test_clocks")
def _create_clock(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, catalog.create_test_clock(ctx.store, params), params)


@route("GET", "/v1/test_helpers/test_clocks")
def _list_clocks(ctx: Ctx, params: Params, m: Match) -> Resp:
    clocks = ctx.store.scan("test_helpers.test_clock")
    return _list(ctx, clocks, params, "/v1/test_helpers/test_clocks", set())


@route("GET", "/v1/test_helpers/test_clocks/(?P<id>[^/]+)")
def _get_clock(ctx: Ctx, params: Params, m: Match) -> Resp:
    return _one(ctx, require(ctx.store, m["id"], "test_helpers.test_clock", "test_clock"), params)


@route("DELETE", "/v1/test_helpers/test_clocks/(?P<id>[^/]+)")
def _delete_clock(ctx: Ctx, params: Params, m: Match) -> Resp:
    require(ctx.store, m["id"], "test_helpers.test_clock", "test_clock")
    ctx.store.delete(m["id"])
    return 200, {"id": m["id"], "object": "test_helpers.test_clock", "deleted": True}


@route("POST", "/v1/test_helpers/test_clocks/(?P<id>[^/]+)/advance")
def _advance_clock(ctx: Ctx, params: Params, m: Match) -> Resp:
    p.check_known(params, {"frozen_time"})
    clock = require(ctx.store, m["id"], "test_helpers.test_clock", "test_clock")
    target = p.opt_int(params, "frozen_time", minimum=0)
    if target is None:
        raise invalid("Missing required param: frozen_time.", param="frozen_time")
    if target < clock["frozen_time"]:
        raise invalid("The test clock cannot be moved backwards.", param="frozen_time")
    subscriptions.run_until(ctx.store, target, clock["id"])
    clock["frozen_time"] = target
    return _one(ctx, clock, params)


# -- dispatch -----------------------------------------------------------------------------
def handle(
    ctx: Ctx, method: str, path: str, params: dict[str, Any], idempotency_key: str | None
) -> tuple[int, dict[str, Any], bool]:
    """Run one API call. Returns (status, body, replayed)."""
    allowed = [(rm, fn, m) for rm, rx, fn in ROUTES if (m := rx.match(path))]
    if not allowed:
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
    chosen = next(((fn, m) for rm, fn, m in allowed if rm == method), None)
    if chosen is None:
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
    fn, match = chosen
    store = ctx.store
    with store.transaction():
        cache_key = (
            f"{method} {path} {idempotency_key}" if idempotency_key and method == "POST" else None
        )
        fingerprint = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
        if cache_key and cache_key in store.idempotency:
            saved = store.idempotency[cache_key]
            if saved["fingerprint"] != fingerprint:
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                    type="idempotency_error",
                )
            return saved["status"], saved["body"], True
        # Catch up with the global clock so renewals due by now have happened.
        subscriptions.run_until(store, store.global_now(), None)
        try:
            status, body = fn(ctx, params, match)
        except StripeError as err:
            status, body = err.status, err.to_dict()
            if cache_key and status != 429:
                store.idempotency[cache_key] = {
                    "fingerprint": fingerprint,
                    "status": status,
                    "body": body,
                }
            raise
        if cache_key:
            store.idempotency[cache_key] = {
                "fingerprint": fingerprint,
                "status": status,
                "body": body,
            }
        return status, body, False
