"""The OpenAPI 3.1 document of the customer-facing API, from the route table and the contract.

The routes come from :mod:`infra.routes` (what API Gateway serves), the request schemas from
the request contract (what API Gateway, and then the Lambda boundary, enforce): nothing is
written twice. The Stripe webhook is left out: only Stripe calls it.

``python -m infra.openapi [server-url]`` prints the document.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from infra import request_contract
from infra.products import discover_products
from infra.routes import ACCOUNT_ROUTES, Auth, Route, plugin_routes

OPENAPI_VERSION = "3.1.0"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "description": "Dotted path of the input to fix"},
            },
        }
    },
}
SECURITY_SCHEMES: dict[str, Any] = {
    "cognito": {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "The Cognito ID token from signing in to the console"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "x-api-key",
               "description": "Your API key (console: Account)"},
}  # fmt: skip
_SECURITY = {Auth.COGNITO: "cognito", Auth.API_KEY: "apiKey"}
# Errors a route of each kind can answer besides 400 (its own refusals are all documented);
# a product adds its own (its declaration's ``errors``).
_ERRORS = {
    Auth.COGNITO: {"401": "No or an invalid token", "404": "Nothing to show yet",
                   "409": "Conflicts with the current state", "413": "Body too large",
                   "415": "Body is not JSON", "429": "Too many requests",
                   "503": "A dependency failed; try again"},
    Auth.API_KEY: {"403": "No or an unknown API key", "413": "Too large",
                   "415": "Body is not JSON", "429": "Over the plan's quota or rate"},
}  # fmt: skip


def customer_routes() -> tuple[Route, ...]:
    return ACCOUNT_ROUTES + plugin_routes()


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    products = discover_products()
    titles = [p.title for p in products]
    errors = {p.name: p.errors for p in products}
    product_of = {(r.method, r.path): p.name for p in products for r in p.routes}
    paths: dict[str, dict[str, Any]] = {}
    for route in customer_routes():
        own = errors.get(product_of.get((route.method, route.path), ""), {})
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, own)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "api-sales: " + ", ".join(["account", "billing", *titles]),
            "version": "1",
            "description": "Every refusal is a JSON 4xx {\"error\": {\"code\", \"message\"}}, "
                           "naming the field when there is one.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/")}]
    return document


def _operation(route: Route, product_errors: Mapping[str, str]) -> dict[str, Any]:
    spec = request_contract.operation(route.method, route.path) or {}
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    responses: dict[str, Any] = {status: ok for status in spec.get("success", ["200"])}
    responses["400"] = _error("The request breaks the schema; error.field names the input")
    errors = {**_ERRORS[route.auth], **product_errors}
    responses.update({status: _error(text) for status, text in sorted(errors.items())})
    operation: dict[str, Any] = {
        "operationId": request_contract.model_name(route.method, route.path),
        "summary": spec.get("summary", route.resource_name),
        "tags": [spec["tag"]] if spec.get("tag") else [],
        "security": [{_SECURITY[route.auth]: []}],
        "responses": responses,
    }
    params = spec.get("path") or {}
    if params:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": params[name]}
            for name in request_contract.path_parameters(route.path)
        ]
    body = spec.get("body")
    if body:
        operation["requestBody"] = {
            "required": bool(body.get("required")),
            "content": {"application/json": {"schema": body["schema"]}},
        }
    return operation


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


if __name__ == "__main__":
    print(json.dumps(openapi_document(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
