"""The OpenAPI documents: valid OpenAPI 3.1, and built from the same routes, schemas and plans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from infra import request_contract
from infra.api import GATEWAY_RESPONSES
from infra.config import PlanConfig
from infra.openapi import (
    API_KEY_SCHEME,
    ERROR_SCHEMA,
    PRODUCT_REQUEST_LIMIT_BYTES,
    customer_document,
    customer_routes,
    openapi_document,
)
from infra.routes import WEBHOOK_ROUTE, plugin_routes


def test_the_document_is_valid_openapi_3_1() -> None:
    document = openapi_document("https://api.example.test/v1")
    validate(document)  # raises on any error
    assert document["openapi"].startswith("3.1")
    json.dumps(document)  # serialisable as published


def test_a_broken_document_is_refused_by_the_validator() -> None:
    """The check above can fail: a parameter without its schema is not OpenAPI."""
    document = openapi_document()
    operation = document["paths"]["/billing/checkout/{session_id}"]["get"]
    del operation["parameters"][0]["schema"]
    operation["parameters"][0]["in"] = "nowhere"
    try:
        validate(document)
    except OpenAPIValidationError:
        return
    raise AssertionError("the validator accepted a broken document")


def test_every_customer_route_and_only_those_are_documented() -> None:
    document = openapi_document()
    documented = {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
    assert documented == {r.resource_name for r in customer_routes()}
    assert WEBHOOK_ROUTE.path not in document["paths"]


def test_request_schemas_are_the_contracts_own() -> None:
    document = openapi_document()
    for route in customer_routes():
        spec = request_contract.operation(route.method, route.path)
        operation = document["paths"][route.path][route.method.lower()]
        if "body" in spec:
            body = operation["requestBody"]
            assert body["content"]["application/json"]["schema"] == spec["body"]["schema"]
            assert body["required"] == spec["body"]["required"]
        else:
            assert "requestBody" not in operation
        for parameter in operation.get("parameters", []):
            assert parameter["schema"] == spec["path"][parameter["name"]]
    mail = document["paths"]["/v1/mail/messages"]["post"]
    assert mail["security"] == [{"apiKey": []}]
    assert document["paths"]["/account"]["get"]["security"] == [{"cognito": []}]


# -- the customer document: what /openapi.json publishes and /docs/ renders ----------------

def _plan(name: str, limit: int, period: str, rate: float, burst: int,
          price: dict | None = None) -> PlanConfig:  # fmt: skip
    """A plan as the seller writes it in ``api-sales:plans``."""
    return PlanConfig.model_validate({
        "name": name, "quota": {"limit": limit, "period": period},
        "throttle": {"rateLimit": rate, "burstLimit": burst}, "price": price,
    })  # fmt: skip


PLANS = (
    _plan("FREE", 1000, "MONTH", 5.0, 10),
    _plan("PRO", 100_000, "MONTH", 50.0, 100,
          {"lookupKey": "pro-monthly", "unitAmount": 980, "currency": "jpy"}),
)  # fmt: skip
LIMITS = Path(__file__).resolve().parents[2] / "products" / "fm_mail" / "fm_mail" / "limits.py"


def test_the_customer_document_is_valid_openapi_3_1() -> None:
    document = customer_document("https://api.example.test/prod/", PLANS)
    validate(document)
    assert document["servers"] == [{"url": "https://api.example.test/prod",
                                    "description": "This API"}]  # fmt: skip
    json.dumps(document)


def test_the_customer_document_has_the_product_routes_and_nothing_else() -> None:
    document = customer_document(None, PLANS)
    documented = {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
    assert documented == {route.resource_name for route in plugin_routes()}
    assert not [p for p in document["paths"] if not p.startswith("/v1/")]
    # One credential: the x-api-key header, for every operation (none overrides it).
    assert document["components"]["securitySchemes"] == {
        "apiKey": {**API_KEY_SCHEME, "type": "apiKey", "in": "header", "name": "x-api-key"}
    }
    assert document["security"] == [{"apiKey": []}]
    assert all("security" not in op for ops in document["paths"].values() for op in ops.values())


def test_the_customer_document_takes_the_contracts_request_schemas() -> None:
    document = customer_document(None, PLANS)
    for route in plugin_routes():
        body = document["paths"][route.path]["post"]["requestBody"]
        contract = request_contract.operation(route.method, route.path)["body"]
        assert body["content"]["application/json"]["schema"] == contract["schema"]
        assert body["required"] is True


@pytest.mark.parametrize("status", ["400", "403", "404", "409", "413", "415", "422", "429",
                                    "500", "502", "504"])  # fmt: skip
def test_every_error_status_is_documented_with_the_error_body(status: str) -> None:
    document = customer_document(None, PLANS)
    for path, operations in document["paths"].items():
        response = operations["post"]["responses"][status]
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)
    assert document["components"]["schemas"]["Error"] == ERROR_SCHEMA


def test_quota_and_throttle_are_told_apart() -> None:
    operation = customer_document(None, PLANS)["paths"]["/v1/mail/messages"]["post"]
    text = operation["responses"]["429"]["description"]
    assert "quota_exceeded" in text and "throttled" in text
    # Both codes are response types the gateway actually answers with 429.
    quota, throttle = GATEWAY_RESPONSES["QUOTA_EXCEEDED"], GATEWAY_RESPONSES["THROTTLED"]
    assert (quota.status, quota.code) == (429, "quota_exceeded")
    assert (throttle.status, throttle.code) == (429, "throttled")
    assert "invalid_api_key" in operation["responses"]["403"]["description"]
    assert GATEWAY_RESPONSES["INVALID_API_KEY"].status == 403
    assert GATEWAY_RESPONSES["INVALID_API_KEY"].code == "invalid_api_key"


def test_the_plans_are_the_configs_own() -> None:
    info = customer_document(None, PLANS)["info"]
    assert info["x-plans"] == [
        {"name": "FREE", "quota": {"limit": 1000, "period": "MONTH"},
         "throttle": {"rateLimit": 5.0, "burstLimit": 10}},
        {"name": "PRO", "quota": {"limit": 100000, "period": "MONTH"},
         "throttle": {"rateLimit": 50.0, "burstLimit": 100}},
    ]  # fmt: skip
    assert "| FREE | 1,000 calls a month | 5 | 10 |" in info["description"]
    assert "| PRO | 100,000 calls a month | 50 | 100 |" in info["description"]
    third = customer_document(None, (*PLANS, _plan("TEAM", 7, "DAY", 0.5, 1)))
    assert "| TEAM | 7 calls a day | 0.5 | 1 |" in third["info"]["description"]


def test_with_an_upstream_only_what_the_gateway_adds_is_documented() -> None:
    document = customer_document("https://api.example.test/prod", PLANS,
                                 upstream_url="https://seller.example.com")  # fmt: skip
    validate(document)
    assert document["paths"] == {}
    assert [plan["name"] for plan in document["info"]["x-plans"]] == ["FREE", "PRO"]


def test_the_documented_body_limit_is_the_products() -> None:
    match = re.search(r"^MAX_REQUEST_BYTES = ([0-9_]+)$", LIMITS.read_text(), re.MULTILINE)
    assert match and int(match[1]) == PRODUCT_REQUEST_LIMIT_BYTES


def test_the_full_document_describes_the_product_as_the_customer_document_does() -> None:
    full, customer = openapi_document(), customer_document()
    for path, operations in customer["paths"].items():
        for method, operation in operations.items():
            assert full["paths"][path][method] == {**operation, "security": [{"apiKey": []}]}


def test_every_request_example_is_a_body_the_contract_accepts() -> None:
    document = customer_document(None, PLANS)
    for operations in document["paths"].values():
        media = operations["post"]["requestBody"]["content"]["application/json"]
        jsonschema.Draft202012Validator(media["schema"]).validate(media["example"])
        jsonschema.Draft4Validator(media["schema"]).validate(media["example"])  # API Gateway's
