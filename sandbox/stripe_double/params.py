"""Typed reads of parsed request parameters, failing the way Stripe does (400 + `param`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import invalid

MAX_STRING = 5000


def check_known(params: dict[str, Any], allowed: Iterable[str]) -> None:
    allowed = set(allowed) | {"expand"}
    for key in params:
        if key not in allowed:
            raise invalid(f"Received unknown parameter: {key}", param=key)


def opt_str(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise invalid(f"Invalid string: {name}", param=name)
    if len(value) > MAX_STRING:
        raise invalid(f"Invalid string: {name} is too long", param=name)
    return value


def req_str(params: dict[str, Any], name: str) -> str:
    value = opt_str(params, name)
    if value is None:
        raise invalid(f"Missing required param: {name}.", param=name)
    return value


def opt_int(params: dict[str, Any], name: str, minimum: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value) if isinstance(value, str) and len(value) < 20 else None
    except ValueError:
        number = None
    if number is None or (minimum is not None and number < minimum):
        raise invalid(f"Invalid integer: {str(value)[:50]}", param=name)
    return number


def opt_bool(params: dict[str, Any], name: str) -> bool | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if value in ("true", "false"):
        return value == "true"
    raise invalid(f"Invalid boolean: {str(value)[:50]}", param=name)


def metadata(params: dict[str, Any], name: str = "metadata") -> dict[str, str] | None:
    value = params.get(name)
    if value is None:
        return None
    if value == "":
        return {}  # Stripe: an empty string unsets metadata
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise invalid(f"Invalid hash: {name}", param=name)
    if len(value) > 50:
        raise invalid("Metadata can have at most 50 keys", param=name)
    return {str(k): v for k, v in value.items()}


def str_list(params: dict[str, Any], name: str) -> list[str] | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(f"Invalid array: {name}", param=name)
    return value


def sub_dict(params: dict[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid hash: {name}", param=name)
    return value


_RANGE_OPERATORS = {
    "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
}


def created_filter(params: dict[str, Any], name: str = "created") -> Any:
    """Stripe's range filter on a timestamp (``created=T`` or ``created[gt|gte|lt|lte]=T``)
    as a predicate on an object; None when the parameter is absent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        exact = opt_int(params, name)
        return lambda obj: obj.get(name) == exact
    if not isinstance(value, dict) or not value:
        raise invalid(f"Invalid {name}: must be an integer or a hash", param=name)
    bounds = []
    for op, raw in value.items():
        if op not in _RANGE_OPERATORS:
            raise invalid(f"Received unknown parameter: {name}[{op}]", param=f"{name}[{op}]")
        bounds.append((_RANGE_OPERATORS[op], opt_int({op: raw}, op)))
    return lambda obj: all(test(int(obj.get(name) or 0), bound) for test, bound in bounds)
