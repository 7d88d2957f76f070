"""The input boundary: each request is checked once, here, before any route code runs.

A Powertools middleware on every resolver. For the matched route's operation in the request
contract (:mod:`apisales.contract`) it checks, in order: the path and query parameters; the
body's byte size, content type, UTF-8, nesting depth and surrogates
(:func:`apisales.http.requests.parse_document`); then the body's JSON Schema. Every refusal is
a JSON 4xx naming the field. The route reads the checked body with :func:`request_body`.

The Stripe webhook is not in the contract: its body is only trusted after the signature holds,
so :mod:`apisales.http.stripe_events` runs the same document checks after verifying it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from fastjsonschema import JsonSchemaValueException

from apisales import contract
from apisales.http.errors import BadRequest, UnsupportedMediaType
from apisales.http.requests import (
    DEFAULT_MAX_BODY_BYTES,
    check_text,
    parse_document,
    raw_body,
)

_BODY = "request_body"
_JSON_MEDIA_TYPES = frozenset({"application/json"})
_PRINTABLE_TEXT = "^[^\\u0000-\\u001f\\u007f]+$"  # the contract's "no control characters"


def install_boundary(
    app: APIGatewayRestResolver,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    request_contract: contract.RequestContract = contract.CORE,
) -> None:
    """``request_contract``: the core's, or a product's own ``requests.json``."""

    def boundary(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context.get("_route")
        key = contract.operation_key(route.method, route.path) if route else ""
        operation = request_contract.operation(key)
        if operation is not None:
            event = app.current_event.raw_event
            raw = event.get("queryStringParameters") or {}
            _check_parameters(request_contract, key, "path", app.context.get("_route_args") or {})
            _check_parameters(request_contract, key, "query", raw)
            body = _checked_body(request_contract, key, operation, event, max_body_bytes)
            app.append_context(**{_BODY: body})
        return next_middleware(app)

    app.use(middlewares=[boundary])


def request_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The body the boundary checked against the route's schema (``{}`` when it had none)."""
    return app.context.get(_BODY) or {}


def _check_parameters(
    request_contract: contract.RequestContract, key: str, location: str, values: dict[str, Any]
) -> None:
    if not values and location == "query":
        return
    check_text(values)
    try:
        request_contract.parameters_validator(key, location)(values)
    except JsonSchemaValueException as exc:
        raise schema_error(exc, code_prefix="parameter") from None


def _checked_body(
    request_contract: contract.RequestContract,
    key: str,
    operation: dict[str, Any],
    event: dict[str, Any],
    max_bytes: int,
) -> Any:
    body = operation.get("body")
    data = raw_body(event, max_bytes)
    if not data.strip():
        if body and body.get("required"):
            raise BadRequest("request body must be a JSON object", "invalid_json")
        return {}
    if body is None:
        raise BadRequest("this route takes no request body", "unexpected_body")
    _check_content_type(event)
    document = parse_document(data, contract.max_depth())
    try:
        request_contract.validator("operations", key, "body", "schema")(document)
    except JsonSchemaValueException as exc:
        raise schema_error(exc) from None
    return document


def _check_content_type(event: dict[str, Any]) -> None:
    headers = event.get("headers") or {}
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    media = str(value or "").split(";", 1)[0].strip().lower()
    if media not in _JSON_MEDIA_TYPES:
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")


def schema_error(exc: JsonSchemaValueException, code_prefix: str = "field") -> BadRequest:
    """A 400 naming the field (dotted path) that broke the schema, and how."""
    path = [str(p) for p in (exc.path or [])[1:]]  # fastjsonschema's path starts at "data"
    rule, definition, value = exc.rule, exc.rule_definition, exc.value
    code = f"invalid_{code_prefix}"
    if rule == "required" and isinstance(value, dict):
        missing = next((n for n in definition if n not in value), "")
        path, code, what = [*path, missing], f"missing_{code_prefix}", "is required"
    elif rule == "additionalProperties" and isinstance(value, dict):
        known = set((exc.definition or {}).get("properties") or {})
        extra = sorted(str(n) for n in value if n not in known)
        path, code, what = [*path, extra[0] if extra else ""], f"unknown_{code_prefix}", "unknown"
    elif rule == "type" and value is None:
        code, what = f"missing_{code_prefix}", "is required"
    else:
        what = _rule_message(rule, exc.definition or {})
    field = ".".join(p for p in path if p) or "body"
    return BadRequest(f"{field}: {what}", code, field=field)


def _rule_message(rule: str | None, schema: dict[str, Any]) -> str:
    if rule == "type":
        types = schema.get("type")
        names = [str(t) for t in (types if isinstance(types, list) else [types]) if t != "null"]
        return "must be " + " or ".join(f"a{'n' if t[0] in 'aeiou' else ''} {t}" for t in names)
    if rule in ("minLength", "maxLength"):
        low, high = schema.get("minLength", 0), schema.get("maxLength", "any")
        return f"must be {low} to {high} characters"
    if rule in ("minimum", "maximum"):
        return f"must be from {schema.get('minimum')} to {schema.get('maximum')}"
    if rule == "enum":
        return "must be one of " + ", ".join(repr(v) for v in schema["enum"])
    if rule == "pattern" and schema.get("pattern") == _PRINTABLE_TEXT:
        return "must not contain control characters"
    if rule == "pattern":
        hint = schema.get("description")
        return f"has the wrong format ({hint})" if hint else "has the wrong format"
    return f"is not valid ({rule})"
