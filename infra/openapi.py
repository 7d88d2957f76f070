"""The OpenAPI 3.1 documents of the API, from the route table, the contract and the plans.

The routes come from :mod:`infra.routes` (what API Gateway serves), the request schemas from
the request contract (what API Gateway, and then the Lambda boundary, enforce), quotas and
throttles from the plans config (what the usage plans enforce): nothing is written twice.

- :func:`customer_document`: the API a customer calls with an API key (the product routes),
  published by the stack as the console's ``/openapi.json`` and rendered at ``/docs/``.
- :func:`openapi_document`: every route a person or browser calls (account and billing
  with the console's Cognito token, and the product); the Stripe webhook is left out, only
  Stripe calls it. The sandbox's schemathesis run uses both.

``python -m infra.openapi [server-url]`` prints the customer document (with the default
plans of ``infra.config``); ``--all`` prints the full one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from infra import request_contract
from infra.config import PlanConfig
from infra.products import discover_products
from infra.routes import ACCOUNT_ROUTES, Auth, Route, plugin_routes, product_routes

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
# Errors an account or billing route can answer besides 400 (its own refusals are all
# documented); the product routes' are PRODUCT_ERRORS below, shared with the customer document.
_COGNITO_ERRORS = {
    "401": "No or an invalid token", "404": "Nothing to show yet",
    "409": "Conflicts with the current state", "413": "Body too large",
    "415": "Body is not JSON", "429": "Too many requests",
    "503": "A dependency failed; try again",
}  # fmt: skip


def customer_routes() -> tuple[Route, ...]:
    return ACCOUNT_ROUTES + plugin_routes()


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in customer_routes():
        operation = _operation(route)
        if route.auth is Auth.API_KEY:  # described once, as the customer document does
            operation = {**_product_operation(route), "security": operation["security"]}
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "api-sales: " + ", ".join(
                ["account", "billing", *(p.title for p in discover_products())]),
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


def _operation(route: Route) -> dict[str, Any]:
    spec = request_contract.operation(route.method, route.path) or {}
    ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    responses: dict[str, Any] = {status: ok for status in spec.get("success", ["200"])}
    responses["400"] = _error("The request breaks the schema; error.field names the input "
                              "(a body refused by the gateway: error.message says which)")
    responses.update({status: _error(text) for status, text in _COGNITO_ERRORS.items()})
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


# ---- the customer document ---------------------------------------------------------------
CUSTOMER_TITLE = "FM Mail API"
# fm_mail.limits.MAX_REQUEST_BYTES (a test keeps the two equal)
PRODUCT_REQUEST_LIMIT_BYTES = 16_384
# The API key is the only credential a customer sends: API Gateway checks it, then meters it
# against the usage plan of the key's plan (quota per period, requests per second).
API_KEY_SCHEME: dict[str, Any] = {
    "type": "apiKey", "in": "header", "name": "x-api-key",
    "description": "Your API key, from the console's API key page. A missing, unknown or "
                   "rotated-away key is refused with 403.",
}  # fmt: skip
# What a success body of each FM Mail route holds at least (docs/fm-mail.md has the fields).
_NULLABLE_STRING = {"type": ["string", "null"]}
PRODUCT_RESPONSES: dict[str, dict[str, Any]] = {
    "/v1/mail/mailboxes": {
        "type": "object", "required": ["mailboxes", "truncated"],
        "properties": {
            "mailboxes": {"type": "array", "items": {
                "type": "object", "required": ["name", "delimiter", "flags"],
                "properties": {"name": {"type": "string"}, "delimiter": _NULLABLE_STRING,
                               "flags": {"type": "array", "items": {"type": "string"}}}}},
            "truncated": {"type": "boolean", "description": "More than 1,000 mailboxes"},
        },
    },
    "/v1/mail/messages": {
        "type": "object", "required": ["mailbox", "uidvalidity", "messages", "next_cursor"],
        "properties": {
            "mailbox": {"type": "string"},
            "uidvalidity": {"type": "integer"},
            "messages": {"type": "array", "items": {
                "type": "object", "required": ["uid", "flags", "size"],
                "properties": {"uid": {"type": "integer"}, "size": {"type": "integer"},
                               "flags": {"type": "array", "items": {"type": "string"}},
                               "subject": _NULLABLE_STRING, "date": _NULLABLE_STRING,
                               "internal_date": _NULLABLE_STRING}}},
            "next_cursor": {**_NULLABLE_STRING,
                            "description": "Pass back as cursor; null: the end"},
        },
    },
    "/v1/mail/attachment": {
        "type": "object",
        "required": ["mailbox", "uidvalidity", "uid", "part", "content_type", "size",
                     "content_base64"],
        "properties": {
            "mailbox": {"type": "string"}, "uidvalidity": {"type": "integer"},
            "uid": {"type": "integer"}, "part": {"type": "string"},
            "filename": _NULLABLE_STRING, "content_type": {"type": "string"},
            "size": {"type": "integer"}, "content_base64": {"type": "string"},
        },
    },
}  # fmt: skip
# A request body of each FM Mail route as a reader would write it (the renderer would
# otherwise show strings generated from the schemas' patterns).
_EXAMPLE_IMAP = {"host": "imap.example.com", "port": 993, "security": "tls",
                 "username": "you@example.com", "password": "app-password"}  # fmt: skip
PRODUCT_EXAMPLES: dict[str, dict[str, Any]] = {
    "/v1/mail/mailboxes": {"imap": _EXAMPLE_IMAP},
    "/v1/mail/messages": {"imap": _EXAMPLE_IMAP, "mailbox": "INBOX", "since": "2026-06-01",
                          "unseen": True, "limit": 20},
    "/v1/mail/attachment": {"imap": _EXAMPLE_IMAP, "mailbox": "INBOX", "uid": 5, "part": "2",
                            "uidvalidity": 1795612201},
}  # fmt: skip
# Every refusal a product route can answer: (status, description, codes that say why). The
# codes of API Gateway's own refusals are the codes of infra.api.GATEWAY_RESPONSES.
PRODUCT_ERRORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("400", "The request breaks the schema or names a host or port that is not allowed; "
            "error.field names the input to fix (for a body the gateway refuses, code "
            "bad_request, error.message says which)",
     ("missing_field", "unknown_field", "invalid_field", "invalid_json", "unexpected_body",
      "invalid_text", "invalid_cursor", "address_not_allowed", "port_not_allowed",
      "host_not_found", "bad_request")),
    ("403", "No API key, or one that is not (or no longer) valid: send your key in the "
            "x-api-key header", ("invalid_api_key",)),
    ("404", "No such route, or no such mailbox, message or part",
     ("not_found", "mailbox_not_found", "message_not_found",
      "attachment_not_found")),
    ("409", "The mailbox was rebuilt since (UIDVALIDITY changed): list it again",
     ("uidvalidity_changed",)),
    ("413", f"The body is over {PRODUCT_REQUEST_LIMIT_BYTES:,} bytes, or the message or "
            "attachment is over this API's limits",
     ("payload_too_large", "message_too_large", "attachment_too_large")),
    ("415", "A body that is not Content-Type: application/json", ("unsupported_media_type",)),
    ("422", "The IMAP server refused the username or password", ("imap_auth_failed",)),
    ("429", "quota_exceeded: the plan's calls for this period are used up (they come back "
            "when the period resets; a bigger plan has more; error.upgrade_url links to the "
            "plans). throttled: more requests a second than the plan allows; slow down and "
            "retry",
     ("quota_exceeded", "throttled")),
    ("500", "An unexpected failure of the gateway or the function; retry later", ()),
    ("502", "The IMAP server could not be reached, failed TLS or answered badly",
     ("imap_unreachable", "imap_tls_failed", "imap_protocol_error")),
    ("504", "The IMAP server did not answer in time", ("imap_timeout",)),
)  # fmt: skip


def customer_document(
    server_url: str | None = None,
    plans: Sequence[PlanConfig] = (),
    upstream_url: str | None = None,
    title: str = CUSTOMER_TITLE,
) -> dict[str, Any]:
    """The API a customer calls with an API key: the product routes, their errors, the plans.

    With ``upstream_url`` the product is the seller's own API behind ``/v1``: its operations
    are not known here, so the document carries only what this stack adds (the key, the
    plans, the gateway's refusals).
    """
    paths: dict[str, dict[str, Any]] = {}
    routes = () if upstream_url else product_routes(None)
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _product_operation(route)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": "1",
            "description": _customer_description(plans, upstream=bool(upstream_url)),
            "x-plans": [plan_limits(plan) for plan in plans],
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"apiKey": API_KEY_SCHEME},
        },
        "security": [{"apiKey": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url.rstrip("/"), "description": "This API"}]
    return document


def plan_limits(plan: PlanConfig) -> dict[str, Any]:
    """What a plan allows, as its usage plan enforces it."""
    return {
        "name": plan.name,
        "quota": {"limit": plan.quota_limit, "period": plan.quota_period},
        "throttle": {"rateLimit": plan.rate_limit, "burstLimit": plan.burst_limit},
    }


def _customer_description(plans: Sequence[PlanConfig], *, upstream: bool) -> str:
    lines = [
        "Send your API key in the `x-api-key` header with every request. Bodies are JSON "
        "(`Content-Type: application/json`); every refusal is a JSON "
        '`{"error": {"code", "message", "field"?}}` whose `code` says why and whose `field` '
        "names the input to fix.",
        "",
    ]
    if upstream:
        lines += ["Every request under `/v1` is forwarded to the service's own API, whose "
                  "reference describes its operations; this document covers the key, the "
                  "plans and the refusals the gateway adds.", ""]  # fmt: skip
    if plans:
        lines += [
            "## Plans",
            "",
            "Each key is on one plan. A used-up quota answers 429 `quota_exceeded` until the "
            "period resets; more requests a second than the rate (with short bursts up to "
            "the burst) answer 429 `throttled`.",
            "",
            "| plan | quota | rate (requests/s) | burst |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {p.name} | {p.quota_limit:,} calls a {p.quota_period.lower()} "
            f"| {p.rate_limit:g} | {p.burst_limit:,} |"
            for p in plans
        ]
    return "\n".join(lines).rstrip()


def _product_operation(route: Route) -> dict[str, Any]:
    operation = _operation(route)
    operation.pop("security")  # the document's own: the API key
    example = PRODUCT_EXAMPLES.get(route.path)
    if example is not None:
        operation["requestBody"]["content"]["application/json"]["example"] = example
    schema = PRODUCT_RESPONSES.get(route.path, {"type": "object"})
    operation["responses"] = {
        **{status: {"description": "OK", "content": {"application/json": {"schema": schema}}}
           for status in (request_contract.operation(route.method, route.path) or {})
           .get("success", ["200"])},
        **{status: _error(f"{text}." + (f" error.code: {', '.join(codes)}" if codes else ""))
           for status, text, codes in PRODUCT_ERRORS},
    }  # fmt: skip
    return operation


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--all"]
    server = arguments[0] if arguments else None
    build = openapi_document if "--all" in sys.argv else customer_document
    print(json.dumps(build(server), indent=2))
