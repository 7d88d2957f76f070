"""Customer-portal configurations (``bpc_``) and the portal sessions that use them.

The object follows Stripe's ``billing_portal.configuration`` (the features this project's
portal uses; ``subscription_update`` is accepted and stored but the hosted page offers no
plan switch). A session without ``configuration`` gets the default configuration, made on
first use the way Stripe's dashboard settings would be: cancellation at period end,
payment-method update and invoice history on. The hosted page offers exactly the
cancellation the session's configuration allows.
"""

from __future__ import annotations

from typing import Any

from . import params as p
from .errors import invalid
from .ids import new_id
from .portal_flows import parse_flow
from .store import Store
from .templates import template

KIND = "billing_portal.configuration"
CANCEL_MODES = ("immediately", "at_period_end")
PRORATIONS = ("none", "create_prorations", "always_invoice")
CANCEL_REASONS = (
    "too_expensive", "missing_features", "switched_service", "unused", "customer_service",
    "too_complex", "low_quality", "other",
)  # fmt: skip
_FEATURES = {
    "customer_update", "invoice_history", "payment_method_update", "subscription_cancel",
    "subscription_update", "payment_method_configuration",
}  # fmt: skip
_FIELDS = {"business_profile", "default_return_url", "features", "login_page", "metadata", "name"}


def create_configuration(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    p.check_known(params, _FIELDS)
    if not p.sub_dict(params, "features"):
        raise invalid("Missing required param: features.", param="features")
    now = store.global_now()
    obj: dict[str, Any] = {
        "id": new_id("bpc_"),
        "object": KIND,
        "active": True,
        "application": None,
        "business_profile": {
            "headline": None, "privacy_policy_url": None, "terms_of_service_url": None,
        },
        "created": now,
        "default_return_url": None,
        "features": {
            "customer_update": {"allowed_updates": [], "enabled": False},
            "invoice_history": {"enabled": False},
            "payment_method_update": {"enabled": False, "payment_method_configuration": None},
            "subscription_cancel": {
                "cancellation_reason": {"enabled": False, "options": []},
                "enabled": False, "mode": "at_period_end", "proration_behavior": "none",
            },
            "subscription_update": {
                "default_allowed_updates": [], "enabled": False, "products": [],
                "proration_behavior": "none",
            },
        },
        "is_default": not store.all(KIND),  # the account's first one, as in the dashboard
        "livemode": False,
        "login_page": {"enabled": False, "url": None},
        "metadata": {},
        "name": None,
        "updated": now,
    }  # fmt: skip
    _apply(obj, params)
    return store.add(obj)


def update_configuration(store: Store, obj: dict[str, Any], params: dict[str, Any]) -> None:
    p.check_known(params, _FIELDS | {"active"})
    active = p.opt_bool(params, "active")
    if active is not None:
        obj["active"] = active
    _apply(obj, params)
    obj["updated"] = store.global_now()


def default_configuration(store: Store) -> dict[str, Any]:
    found = next((c for c in store.all(KIND) if c["is_default"]), None)
    if found is not None:
        return found
    return create_configuration(store, {"features": {
        "subscription_cancel": {"enabled": "true", "mode": "at_period_end"},
        "payment_method_update": {"enabled": "true"},
        "invoice_history": {"enabled": "true"},
    }})  # fmt: skip


def create_session(store: Store, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    p.check_known(
        params, {"customer", "return_url", "configuration", "locale", "flow_data", "on_behalf_of"}
    )
    customer = p.req_str(params, "customer")
    if not store.get(customer, "customer"):
        raise invalid(f"No such customer: '{customer}'", param="customer", code="resource_missing")
    config_id = p.opt_str(params, "configuration")
    if config_id is None:
        config = default_configuration(store)
    else:
        config = store.get(config_id, KIND)
        if config is None:
            raise invalid(f"No such configuration: '{config_id}'", param="configuration",
                          code="resource_missing")  # fmt: skip
        if not config["active"]:
            raise invalid(f"The configuration '{config_id}' is not active.",
                          param="configuration")  # fmt: skip
    return_url = p.opt_str(params, "return_url") or config["default_return_url"]
    flow = parse_flow(params, config)
    obj = template("billing_portal.session")
    obj["id"] = new_id("bps_")
    obj.update(
        customer=customer,
        return_url=return_url,
        flow=flow,
        livemode=False,
        locale=p.opt_str(params, "locale"),
        configuration=config["id"],
        created=store.now_for(customer),
        url=f"{base_url}/p/session/{obj['id']}",
    )
    return store.add(obj)


def feature_on(store: Store, portal: dict[str, Any], name: str) -> bool:
    """Whether the session's configuration enables `name` (invoice_history, ...)."""
    config = store.get(portal.get("configuration") or "", KIND) or {}
    return bool(config.get("features", {}).get(name, {}).get("enabled"))


def cancel_mode(store: Store, portal: dict[str, Any]) -> str | None:
    """How the session's configuration lets a customer cancel: a mode, or None (not at all)."""
    config = store.get(portal.get("configuration") or "", KIND)
    cancel = (config or {}).get("features", {}).get("subscription_cancel", {})
    return cancel.get("mode") if cancel.get("enabled") else None


# -- parameters ---------------------------------------------------------------------------
def _apply(obj: dict[str, Any], params: dict[str, Any]) -> None:
    if "business_profile" in params:
        profile = p.sub_dict(params, "business_profile")
        p.check_known(profile, {"headline", "privacy_policy_url", "terms_of_service_url"})
        for key in ("headline", "privacy_policy_url", "terms_of_service_url"):
            if key in profile:
                obj["business_profile"][key] = p.opt_str(profile, key)
    if "default_return_url" in params:
        url = p.opt_str(params, "default_return_url")
        if url is not None and not url.startswith(("http://", "https://")):
            raise invalid("Invalid URL: default_return_url", param="default_return_url")
        obj["default_return_url"] = url
    if "login_page" in params:
        login = p.sub_dict(params, "login_page")
        p.check_known(login, {"enabled"})
        obj["login_page"]["enabled"] = p.opt_bool(login, "enabled") is True
    if "name" in params:
        obj["name"] = p.opt_str(params, "name")
    meta = p.metadata(params)
    if meta is not None:
        obj["metadata"] = {**obj["metadata"], **meta} if meta else {}
    features = p.sub_dict(params, "features")
    p.check_known(features, _FEATURES)
    for name in features:
        if name == "payment_method_configuration":
            continue
        _apply_feature(obj["features"][name], p.sub_dict(features, name), f"features[{name}]")


def _apply_feature(feature: dict[str, Any], given: dict[str, Any], where: str) -> None:
    p.check_known(given, set(feature) | {"payment_method_configuration"})
    for key, value in given.items():
        param = f"{where}[{key}]"
        if key == "enabled":
            feature["enabled"] = _bool(given, key, param)
        elif key == "mode":
            feature["mode"] = _choice(value, CANCEL_MODES, param)
        elif key == "proration_behavior":
            feature["proration_behavior"] = _choice(value, PRORATIONS, param)
        elif key == "cancellation_reason":
            reason = p.sub_dict(given, key)
            p.check_known(reason, {"enabled", "options"})
            feature[key] = {
                "enabled": _bool(reason, "enabled", f"{param}[enabled]"),
                "options": [_choice(o, CANCEL_REASONS, f"{param}[options]")
                            for o in p.str_list(reason, "options") or []],
            }  # fmt: skip
        elif key in ("allowed_updates", "default_allowed_updates"):
            feature[key] = p.str_list(given, key) or []
        elif key == "products":
            feature[key] = value if isinstance(value, list) else []
        # payment_method_configuration: accepted, no effect in the double


def _bool(params: dict[str, Any], key: str, param: str) -> bool:
    value = p.opt_bool(params, key)
    if value is None:
        raise invalid(f"Missing required param: {param}.", param=param)
    return value


def _choice(value: Any, allowed: tuple[str, ...], param: str) -> str:
    if value not in allowed:
        raise invalid(f"Invalid {param}: must be one of {', '.join(allowed)}", param=param)
    return str(value)
