"""The request contract of the handlers (``handlers/apisales/contract/requests.json``) and of
every product plug-in (its declared ``request_schemas``, docs/products.md), read as files:
the Pulumi program never imports the Lambda packages, nor the other way round.

The same schemas become API Gateway models (JSON Schema draft 4) here and the OpenAPI 3.1
document in :mod:`infra.openapi`; docs/input-boundary.md lists the subset both understand.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from infra import products

CONTRACT_FILE = (
    Path(__file__).resolve().parent.parent / "handlers" / "apisales" / "contract" / "requests.json"
)
DRAFT_04 = "http://json-schema.org/draft-04/schema#"
_PATH_PARAMETER = re.compile(r"\{(\w+)\+?\}")


def load() -> dict[str, Any]:
    """The core's contract with every product's operations added."""
    return _load(products.PRODUCTS_DIR)


@functools.cache
def _load(products_dir: Path) -> dict[str, Any]:
    contract: dict[str, Any] = json.loads(CONTRACT_FILE.read_text(encoding="utf-8"))
    operations = dict(contract["operations"])
    for product in products.discover_products(products_dir):
        for key, spec in product.operations().items():
            if key in operations:
                raise ValueError(f"{product.name} declares {key}, which is already declared")
            operations[key] = spec
    return {**contract, "operations": operations}


def operation(method: str, path: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = load()["operations"].get(f"{method} {path}")
    return found


def path_parameters(path: str) -> list[str]:
    """``["session_id"]`` for ``/billing/checkout/{session_id}``."""
    return _PATH_PARAMETER.findall(path)


def gated_body_schema(method: str, path: str) -> dict[str, Any] | None:
    """The body schema API Gateway enforces, as a draft-4 model; None when it enforces none.

    Only a *required* body is given to API Gateway: it validates an absent body against the
    model too, and the console calls the routes whose body is optional with no body at all.
    The Lambda boundary checks optional bodies (same schema) instead.
    """
    spec = operation(method, path) or {}
    body = spec.get("body")
    if not body or not body.get("required"):
        return None
    return {"$schema": DRAFT_04, "title": model_name(method, path), **body["schema"]}


def model_name(method: str, path: str) -> str:
    """API Gateway model names are alphanumeric: ``PostV1MailMessages``."""
    words = re.findall(r"[A-Za-z0-9]+", f"{method.lower()} {path}")
    return "".join(w[:1].upper() + w[1:] for w in words)
