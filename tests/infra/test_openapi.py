"""The OpenAPI document: valid OpenAPI 3.1, and built from the same routes and schemas."""

from __future__ import annotations

import json

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from infra import request_contract
from infra.openapi import customer_routes, openapi_document
from infra.routes import WEBHOOK_ROUTE


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
