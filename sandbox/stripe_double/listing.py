"""Stripe list objects (cursor pagination) and `expand[]` of id fields."""

from __future__ import annotations

import copy
from typing import Any

from . import params as p
from .errors import invalid
from .store import Store


def paginate(objs: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    limit = p.opt_int(params, "limit", minimum=1)
    if limit is None:
        limit = 10
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    after, before = p.opt_str(params, "starting_after"), p.opt_str(params, "ending_before")
    ids = [o["id"] for o in objs]
    if after:
        if after not in ids:
            raise invalid(
                f"No such object: '{after}'", param="starting_after", code="resource_missing"
            )
        objs = objs[ids.index(after) + 1 :]
        page, has_more = objs[:limit], len(objs) > limit
    elif before:
        if before not in ids:
            raise invalid(
                f"No such object: '{before}'", param="ending_before", code="resource_missing"
            )
        objs = objs[: ids.index(before)]
        page, has_more = objs[-limit:], len(objs) > limit
    else:
        page, has_more = objs[:limit], len(objs) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url}


def expand(store: Store, obj: dict[str, Any], paths: list[str] | None) -> dict[str, Any]:
    """A copy of `obj` with each dotted path in `paths` replaced by the object it names."""
    out = copy.deepcopy(obj)
    for path in paths or []:
        if not isinstance(path, str) or path.count(".") > 4:
            raise invalid(f"Invalid expand path: {str(path)[:80]}", param="expand")
        _expand_path(store, out, path.split("."), path)
    return out


def _expand_path(store: Store, node: Any, parts: list[str], full: str) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for item in node:
            _expand_path(store, item, parts, full)
        return
    if not isinstance(node, dict) or head not in node:
        raise invalid(f"This property cannot be expanded ({full}).", param="expand")
    value = node[head]
    if rest:
        if isinstance(value, str):
            value = node[head] = _lookup(store, value, full)
        if value is not None:
            _expand_path(store, value, rest, full)
        return
    if isinstance(value, str):
        node[head] = _lookup(store, value, full)
    elif value is not None and not isinstance(value, dict):
        raise invalid(f"This property cannot be expanded ({full}).", param="expand")


def _lookup(store: Store, obj_id: str, full: str) -> dict[str, Any]:
    target = store.get(obj_id)
    if target is None:
        raise invalid(f"This property cannot be expanded ({full}).", param="expand")
    return copy.deepcopy(target)
