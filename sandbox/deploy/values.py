"""Turning Pulumi mock inputs (camelCase, floats, secret wrappers) into boto3 arguments."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import rpc


def unwrap(value: Any) -> Any:
    """The plain value of a (possibly secret-wrapped) input."""
    while rpc.is_rpc_secret(value):
        value = rpc.unwrap_rpc_secret(value)
    return value


def as_int(value: Any) -> int | None:
    """Pulumi numbers arrive as floats (``1000.0``); AWS wants ints."""
    return None if value is None else int(value)


def pascal(name: str) -> str:
    """``minimumLength`` -> ``MinimumLength`` (and snake_case the same way)."""
    if "_" in name:
        return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
    return name[:1].upper() + name[1:]


def pascal_keys(value: Any) -> Any:
    """Recursively PascalCase dict keys and turn whole floats into ints."""
    if isinstance(value, dict):
        return {pascal(k): pascal_keys(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [pascal_keys(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def snake(name: str) -> str:
    """``defaultReturnUrl`` -> ``default_return_url`` (Pulumi wire names to Stripe's)."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def snake_keys(value: Any) -> Any:
    """Recursively snake_case dict keys, unwrap secrets, drop None, whole floats to ints."""
    value = unwrap(value)
    if isinstance(value, dict):
        return {snake(k): snake_keys(v) for k, v in value.items() if unwrap(v) is not None}
    if isinstance(value, list):
        return [snake_keys(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def drop_none(**kwargs: Any) -> dict[str, Any]:
    """boto3 rejects ``None`` for optional parameters: leave them out instead."""
    return {k: v for k, v in kwargs.items() if v is not None and v != {} and v != []}


def archive_path(code: Any) -> str:
    """The path of a ``pulumi.FileArchive`` input, however the mock monitor hands it over."""
    if isinstance(code, pulumi.FileArchive):
        return str(code.path)
    if isinstance(code, dict) and "path" in code:
        return str(code["path"])
    raise TypeError(f"expected a FileArchive for the Lambda code, got {type(code).__name__}")
