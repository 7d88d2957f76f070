"""Stripe payloads → the domain's plain data: :class:`BillingObject` (a retrieved object, or an
event's ``data.object``) and :class:`SubscriptionSnapshot` (a subscription as listed).

One translation for both, so that comparing an event body with Stripe's object compares like
with like. Ids may arrive as strings or as expanded objects, and some sit in different places
in different API versions (an invoice's subscription); all of them are read, and a field
stated twice with different values is left empty and named in ``ambiguous`` (the ownership
rule refuses such an object).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.entitlements import SubscriptionSnapshot

# Stripe ids are ``<prefix>_<alphanumerics>``; anything else is not looked up at all.
OBJECT_ID = re.compile(r"[A-Za-z]{2,8}_[A-Za-z0-9_]{1,250}")


def _id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


class _Reader:
    """Reads identity fields, remembering those stated twice with different values."""

    def __init__(self) -> None:
        self.ambiguous: list[str] = []

    def one(self, field: str, *values: Any) -> str | None:
        found = {v for v in map(_id, values) if v is not None}
        if len(found) > 1:
            self.ambiguous.append(field)
            return None
        return found.pop() if found else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _dig(obj: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(name)
    return obj


def object_id(obj: Mapping[str, Any]) -> str | None:
    """``obj``'s id if it looks like a Stripe id (the one thing a webhook takes from a body)."""
    value = obj.get("id")
    return value if isinstance(value, str) and OBJECT_ID.fullmatch(value) else None


def billing_object(kind: ObjectKind, obj: Mapping[str, Any]) -> BillingObject:
    """The identity facts of ``obj``; ``ValueError`` when it has no valid id."""
    oid = object_id(obj)
    if oid is None:
        raise ValueError("the object has no valid id")
    read = _Reader()
    customer_id = read.one("customer_id", obj.get("customer"))
    if kind is ObjectKind.CHECKOUT_SESSION:
        # Our checkout sets both to the user; a payload where they differ is not ours.
        user_id = read.one("user_id", obj.get("client_reference_id"),
                           _dig(obj, "metadata", "user_id"))
        subscription_id = read.one("subscription_id", obj.get("subscription"))
        return BillingObject(
            kind, oid, customer_id, user_id=user_id, subscription_id=subscription_id,
            mode=_str(obj.get("mode")), status=_str(obj.get("status")),
            payment_status=_str(obj.get("payment_status")), ambiguous=tuple(read.ambiguous),
        )
    if kind is ObjectKind.SUBSCRIPTION:
        return BillingObject(kind, oid, customer_id, subscription_id=oid,
                             status=_str(obj.get("status")), ambiguous=tuple(read.ambiguous))
    # Before API version 2025-03-31 an invoice's ``subscription``; since, its parent's.
    subscription_id = read.one("subscription_id", obj.get("subscription"),
                               _dig(obj, "parent", "subscription_details", "subscription"))
    return BillingObject(kind, oid, customer_id, subscription_id=subscription_id,
                         status=_str(obj.get("status")), ambiguous=tuple(read.ambiguous))


def subscription_snapshot(sub: Mapping[str, Any]) -> SubscriptionSnapshot:
    """The facts of a listed subscription the entitlement rules need."""
    items = _dig(sub, "items", "data") or [{}]
    first = items[0] if isinstance(items[0], Mapping) else {}
    price = first.get("price") or {}
    # Recent API versions keep current_period_end on the item, older ones on the subscription.
    period_end = first.get("current_period_end") or sub.get("current_period_end")
    metadata = price.get("metadata")
    return SubscriptionSnapshot(
        id=str(sub["id"]),
        customer_id=_id(sub.get("customer")) or "",
        status=str(sub.get("status") or ""),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
        current_period_end=int(period_end) if period_end else None,
        price_lookup_key=price.get("lookup_key"),
        created=int(sub.get("created") or 0),
        price_plan=metadata.get("plan") if isinstance(metadata, Mapping) else None,
    )
