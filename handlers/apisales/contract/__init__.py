"""The request contract: every route's body, path and query schemas, in ``requests.json``.

One definition, three readers: API Gateway's models and request validators (``infra/api.py``
reads the JSON file as a file), the Lambda-side boundary (:mod:`apisales.http.boundary`) and
the OpenAPI document (``infra/openapi.py``). A product plug-in ships its own file in the same
format and hands it to the boundary as a :class:`RequestContract` (docs/products.md). Only the
JSON Schema subset documented in ``docs/input-boundary.md`` may be used, so that the same
schema means the same thing to API Gateway (draft 4) and to OpenAPI 3.1 (draft 2020-12).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema

CONTRACT_FILE = Path(__file__).with_name("requests.json")

Validator = Callable[[Any], Any]
_POWERTOOLS_PARAMETER = re.compile(r"<(\w+)>")


class RequestContract:
    """One ``requests.json``: its operations and their checks, each compiled once, on use."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._validators: dict[tuple[str, ...], Validator] = {}

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.file.read_text(encoding="utf-8"))
        return document

    def operation(self, key: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.document["operations"].get(key)
        return found

    def validator(self, *path: str) -> Validator:
        """The compiled check for the schema at ``path`` in the contract."""
        if path not in self._validators:
            schema: Any = self.document
            for part in path:
                schema = schema[part]
            self._validators[path] = fastjsonschema.compile(schema, use_default=False)
        return self._validators[path]

    def parameters_validator(self, key: str, location: str) -> Validator:
        """One object schema for the path (or query) parameters of operation ``key``."""
        cache_key = ("(parameters)", key, location)
        if cache_key not in self._validators:
            params = (self.operation(key) or {}).get(location) or {}
            schema = {
                "type": "object",
                "additionalProperties": False,
                "properties": params,
                "required": sorted(params) if location == "path" else [],
            }
            if not schema["required"]:
                del schema["required"]  # draft 4: "required" must not be empty
            self._validators[cache_key] = fastjsonschema.compile(schema, use_default=False)
        return self._validators[cache_key]


CORE = RequestContract(CONTRACT_FILE)  # the account, billing and webhook routes


def contract() -> dict[str, Any]:
    return CORE.document


def operation_key(method: str, path: str) -> str:
    """``GET /billing/checkout/{session_id}`` for Powertools' ``/billing/checkout/<session_id>``."""
    return method.upper() + " " + _POWERTOOLS_PARAMETER.sub(r"{\1}", path)


def operation(key: str) -> dict[str, Any] | None:
    return CORE.operation(key)


def max_depth() -> int:
    """Nesting depth any body may reach, products' included (the core's safety rule)."""
    return int(contract()["max_depth"])


def validator(*path: str) -> Validator:
    return CORE.validator(*path)


def parameters_validator(key: str, location: str) -> Validator:
    return CORE.parameters_validator(key, location)
