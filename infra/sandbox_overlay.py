"""Switches only a stack running against an emulator may set: ``api-sales-sandbox:*``.

They are not the seller's settings (infra/config.py knows none of them): each one turns off
a protection that real AWS and real Stripe need. ``stripeApiBase`` points the functions at
another Stripe (the sandbox's double), ``schemaGuard: false`` lets the user pool's schema
change without the guard (infra/schema_guard.py), and a product's declared sandbox flag
(``allowLoopbackImap`` of FM Mail: reach an IMAP server on 127.0.0.1, an SSRF hole anywhere
else) goes to its function as ``true``.

So the overlay refuses to load unless the stack is an emulated one: ``aws:endpoints`` must
send Lambda, and every service it names, to a loopback address. A stack with any of these
keys can then never put a function on real AWS. docs/sandbox.md describes the overlay.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import urlparse

from pulumi.runtime import config as runtime_config
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
)
from pydantic.alias_generators import to_camel

from infra.config_errors import ConfigError, config_error
from infra.config_source import namespace_values
from infra.config_types import https_url

NAMESPACE = "api-sales-sandbox"
# Where a function would run: with this endpoint on loopback, no function reaches real AWS.
REQUIRED_ENDPOINT = "lambda"
_FLAGS = TypeAdapter(dict[str, bool])


class SandboxOverlay(BaseModel):
    """``api-sales-sandbox:*``; the defaults are a real stack's (no switch set)."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel)

    stripe_api_base: Annotated[str, AfterValidator(lambda v: https_url(v, True))] | None = None
    schema_guard: bool = True
    # Products' own sandbox flags (product.toml ``sandbox_flags``), by key: the ones set.
    _product_flags: dict[str, bool] = PrivateAttr(default_factory=dict)

    def flag(self, key: str) -> bool:
        """A product's sandbox flag (off unless this stack sets it)."""
        return self._product_flags.get(key, False)


def switch_keys(product_flags: Iterable[str] = ()) -> set[str]:
    """Every key the overlay takes: its own and the products' flags."""
    return {f.alias or n for n, f in SandboxOverlay.model_fields.items()} | set(product_flags)


def load_sandbox_overlay(product_flags: Iterable[str] = ()) -> SandboxOverlay:
    """The overlay of the current stack; ``product_flags`` are the keys products declare."""
    values: dict[str, Any] = namespace_values(NAMESPACE)
    if not values:
        return SandboxOverlay()
    _require_emulated_stack(next(iter(values)))
    declared = set(product_flags)
    flags = {key: values.pop(key) for key in list(values) if key in declared}
    try:
        overlay = SandboxOverlay.model_validate(values)
        overlay._product_flags = _FLAGS.validate_python(flags)
    except ValidationError as error:
        raise config_error(error, SandboxOverlay, NAMESPACE) from None
    return overlay


def _require_emulated_stack(key: str) -> None:
    raw = runtime_config.get_config("aws:endpoints")
    endpoints = _endpoints(json.loads(raw) if isinstance(raw, str) else raw)
    not_local = sorted(f"{service}={url}" for service, url in endpoints.items()
                       if not _is_loopback(url))  # fmt: skip
    if REQUIRED_ENDPOINT not in endpoints or not_local:
        found = ", ".join(not_local) if not_local else f"no {REQUIRED_ENDPOINT} endpoint"
        raise ConfigError(
            key,
            "is a sandbox-only switch: it is refused unless aws:endpoints sends "
            f"{REQUIRED_ENDPOINT} and every other service to a loopback emulator "
            f"such as ministack ({found})",
            NAMESPACE,
        )


def _endpoints(raw: Any) -> dict[str, str]:
    """``aws:endpoints`` is a list of maps service -> URL (the provider's own format)."""
    entries = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    return {str(service): str(url) for entry in entries if isinstance(entry, Mapping)
            for service, url in entry.items()}  # fmt: skip


def _is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
