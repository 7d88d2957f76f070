"""Portal deep links: a session's ``flow_data`` becomes its ``flow`` (Stripe's shape).

Stripe's flow types are ``payment_method_update``, ``subscription_cancel``,
``subscription_update`` and ``subscription_update_confirm``; the double implements the first
(the one api-sales uses) and refuses the others by name rather than pretending. After the
flow, ``after_completion`` decides where the customer goes: ``portal_homepage`` (Stripe's
default), ``redirect`` (``redirect[return_url]`` required) or ``hosted_confirmation``
(an optional ``custom_message`` of at most 500 characters).
"""

from __future__ import annotations

from typing import Any

from . import params as p
from .errors import invalid

FLOW_TYPES = (
    "payment_method_update", "subscription_cancel", "subscription_update",
    "subscription_update_confirm",
)  # fmt: skip
SUPPORTED_FLOWS = ("payment_method_update",)
AFTER_COMPLETION = ("hosted_confirmation", "portal_homepage", "redirect")
CUSTOM_MESSAGE_MAX = 500


def parse_flow(params: dict[str, Any], config: dict[str, Any]) -> dict[str, Any] | None:
    """The session's ``flow`` for ``flow_data`` (None without it); 400 for what Stripe refuses."""
    if "flow_data" not in params:
        return None
    data = p.sub_dict(params, "flow_data")
    p.check_known(data, {"type", "after_completion", *FLOW_TYPES[1:]})
    kind = data.get("type")
    if kind not in FLOW_TYPES:
        raise invalid(
            f"Invalid flow_data[type]: must be one of {', '.join(FLOW_TYPES)}",
            param="flow_data[type]",
        )
    if kind not in SUPPORTED_FLOWS:
        raise invalid(f"The Stripe double does not implement the {kind} flow.",
                      param="flow_data[type]")  # fmt: skip
    feature = config["features"]["payment_method_update"]
    if not feature.get("enabled"):
        # The page could not offer what the configuration turns off.
        raise invalid(
            "The payment_method_update flow needs features[payment_method_update][enabled] "
            f"on the configuration '{config['id']}'.",
            param="flow_data[type]",
        )
    return {
        "after_completion": _after_completion(p.sub_dict(data, "after_completion")),
        "subscription_cancel": None,
        "subscription_update": None,
        "subscription_update_confirm": None,
        "type": kind,
    }


def _after_completion(given: dict[str, Any]) -> dict[str, Any]:
    where = "flow_data[after_completion]"
    p.check_known(given, {"type", "redirect", "hosted_confirmation"})
    kind = given.get("type") or "portal_homepage"
    if kind not in AFTER_COMPLETION:
        raise invalid(f"Invalid {where}[type]: must be one of {', '.join(AFTER_COMPLETION)}",
                      param=f"{where}[type]")  # fmt: skip
    result: dict[str, Any] = {"hosted_confirmation": None, "redirect": None, "type": kind}
    if kind == "redirect":
        redirect = p.sub_dict(given, "redirect")
        p.check_known(redirect, {"return_url"})
        url = p.opt_str(redirect, "return_url")
        if url is None:
            raise invalid(f"Missing required param: {where}[redirect][return_url].",
                          param=f"{where}[redirect][return_url]")  # fmt: skip
        if not url.startswith(("http://", "https://")):
            raise invalid(f"Invalid URL: {where}[redirect][return_url]",
                          param=f"{where}[redirect][return_url]")  # fmt: skip
        result["redirect"] = {"return_url": url}
    elif "redirect" in given:
        raise invalid(f"{where}[redirect] is only allowed when {where}[type] is redirect.",
                      param=f"{where}[redirect]")  # fmt: skip
    if kind == "hosted_confirmation":
        confirmation = p.sub_dict(given, "hosted_confirmation")
        p.check_known(confirmation, {"custom_message"})
        message = p.opt_str(confirmation, "custom_message")
        if message is not None and len(message) > CUSTOM_MESSAGE_MAX:
            raise invalid(
                f"{where}[hosted_confirmation][custom_message] must be at most "
                f"{CUSTOM_MESSAGE_MAX} characters.",
                param=f"{where}[hosted_confirmation][custom_message]",
            )
        result["hosted_confirmation"] = {"custom_message": message}
    elif "hosted_confirmation" in given:
        raise invalid(
            f"{where}[hosted_confirmation] is only allowed when {where}[type] is "
            "hosted_confirmation.",
            param=f"{where}[hosted_confirmation]",
        )
    return result
