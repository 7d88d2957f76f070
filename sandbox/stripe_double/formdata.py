"""Parse Stripe's form encoding (`a[b][0]=x`, `expand[]=y`) into nested dicts and lists.

Any malformed input becomes a 400 `invalid_request_error`, never an exception escaping
to the HTTP layer.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from .errors import StripeError, invalid

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_DEPTH = 8


def _parts(key: str) -> list[str]:
    m = _KEY.match(key)
    if not m:
        raise invalid(f"Invalid parameter name: {key[:100]!r}", param=key[:100])
    rest = re.findall(r"\[([^\[\]]*)\]", m.group(2))
    if len(rest) > MAX_DEPTH:
        raise invalid(f"Parameter nested too deeply: {key[:100]!r}", param=m.group(1))
    return [m.group(1), *rest]


def _listify(node: Any, path: str) -> Any:
    """Turn dicts whose keys are all indexes (or `[]` appends) into lists, recursively."""
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v, f"{path}[{k}]") for k, v in node.items()}
    if converted and all(isinstance(k, int) for k in converted):
        return [converted[k] for k in sorted(converted)]
    if any(isinstance(k, int) for k in converted):
        raise invalid(f"Invalid array: {path}", param=path)
    return converted


def parse_form(body: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        raise invalid(f"Could not parse request body: {exc}") from None
    root: dict[Any, Any] = {}
    counters: dict[int, int] = {}
    for key, value in pairs:
        parts = _parts(key)
        node: dict[Any, Any] = root
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            if part == "" and depth > 0:
                # `a[]=x` appends: give it the next free integer slot of this node.
                part_key: Any = counters.get(id(node), 0)
                counters[id(node)] = part_key + 1
            elif part.isascii() and part.isdigit() and depth > 0 and len(part) < 6:
                part_key = int(part)
                counters[id(node)] = max(counters.get(id(node), 0), part_key + 1)
            else:
                part_key = part
            if last:
                if isinstance(node.get(part_key), dict):
                    raise invalid(f"Invalid value for {parts[0]}", param=parts[0])
                node[part_key] = value
            else:
                child = node.setdefault(part_key, {})
                if not isinstance(child, dict):
                    raise invalid(f"Invalid value for {parts[0]}", param=parts[0])
                node = child
    try:
        result = _listify(root, "")
    except StripeError:
        raise
    except RecursionError:  # pragma: no cover - depth is bounded above
        raise invalid("Parameters nested too deeply") from None
    return {str(k): v for k, v in result.items()} if isinstance(result, dict) else {}
