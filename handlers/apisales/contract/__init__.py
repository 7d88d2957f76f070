"""The request contract: every route's body, path and query schemas, in ``requests.json``.

One definition, three readers: API Gateway's models and request validators (``infra/api.py``
reads the JSON file as a file), the Lambda-side boundary (:mod:`apisales.http.boundary`) and
the OpenAPI document (``infra/openapi.py``). Only the JSON Schema subset documented in
``docs/input-boundary.md`` may be used, so that the same schema means the same thing to API
Gateway (draft 4) and to OpenAPI 3.1 (draft 2020-12).
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


@functools.cache
def contract() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    return document


def operation_key(method: str, path: str) -> str:
    """``GET /billing/checkout/{session_id}`` for Powertools' ``/billing/checkout/<session_id>``."""
    return method.upper() + " " + _POWERTOOLS_PARAMETER.sub(r"{\1}", path)


def operation(key: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = contract()["operations"].get(key)
    return found


def max_depth() -> int:
    return int(contract()["max_depth"])


@functools.cache
def validator(*path: str) -> Validator:
    """The compiled check for the schema at ``path`` in the contract (compiled once, on use)."""
    schema: Any = contract()
    for part in path:
        schema = schema[part]
    return fastjsonschema.compile(schema, use_default=False)


@functools.cache
def parameters_validator(key: str, location: str) -> Validator:
    """One object schema for the path (or query) parameters of operation ``key``."""
    params = (operation(key) or {}).get(location) or {}
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": params,
        "required": sorted(params) if location == "path" else [],
    }
    if not schema["required"]:
        del schema["required"]  # draft 4: "required" must not be empty
    return fastjsonschema.compile(schema, use_default=False)
