"""The request contract uses only the JSON Schema both API Gateway and OpenAPI 3.1 read alike."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft4Validator, Draft202012Validator

from infra import request_contract

# docs/input-boundary.md: the subset. Anything else means different things in draft 4
# (API Gateway) and 2020-12 (OpenAPI 3.1), or is not supported by API Gateway at all.
ALLOWED_KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "items", "enum",
    "minLength", "maxLength", "pattern", "minimum", "maximum", "minItems", "maxItems",
    "description",
}  # fmt: skip


def _schemas() -> list[tuple[str, dict[str, Any]]]:
    contract = request_contract.load()
    found = [("stripe_event", contract["stripe_event"])]
    for key, spec in contract["operations"].items():
        if "body" in spec:
            found.append((f"{key} body", spec["body"]["schema"]))
        found += [(f"{key} {name}", s) for name, s in (spec.get("path") or {}).items()]
    return found


def _name(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _keywords(schema: dict[str, Any]) -> set[str]:
    words = set(schema)
    for child in (schema.get("properties") or {}).values():
        words |= _keywords(child)
    if isinstance(schema.get("items"), dict):
        words |= _keywords(schema["items"])
    return words


@pytest.mark.parametrize(("name", "schema"), _schemas(), ids=_name)
def test_schema_is_valid_in_draft_4_and_2020_12_and_inside_the_subset(name, schema) -> None:
    Draft4Validator.check_schema(schema)
    Draft202012Validator.check_schema(schema)
    assert _keywords(schema) <= ALLOWED_KEYWORDS, name
    for word in ("exclusiveMinimum", "exclusiveMaximum", "$ref", "const", "format", "nullable"):
        assert word not in _keywords(schema)


@pytest.mark.parametrize(("name", "schema"), _schemas(), ids=_name)
def test_draft_4_and_2020_12_agree_on_samples(name, schema) -> None:
    """Same verdict from both drafts on values of every type (the subset means one thing)."""
    samples = [None, True, 0, 1, -1, 2**33, 1.5, "", "a", "INBOX", "cs_test_a1", "x\n", [], [1],
               {}, {"imap": {"host": "h", "username": "u", "password": "p"}}, {"plan": "PRO"},
               {"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}]
    for sample in samples:
        assert Draft4Validator(schema).is_valid(sample) == Draft202012Validator(schema).is_valid(
            sample), (name, sample)


def test_the_three_imap_objects_are_one_definition() -> None:
    """JSON Schema $ref is outside the subset, so the imap object is repeated: kept equal."""
    ops = request_contract.load()["operations"]
    imaps = [spec["body"]["schema"]["properties"]["imap"]
             for key, spec in ops.items() if key.startswith("POST /v1/")]
    assert len(imaps) == 3 and imaps[0] == imaps[1] == imaps[2]
