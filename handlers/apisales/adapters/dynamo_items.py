"""Python values ↔ DynamoDB attribute values, through boto3's own TypeSerializer/Deserializer.

The low-level client (cheaper to create than a ``Table`` resource at cold start) speaks in
typed attribute values (``{"S": ...}``); the adapters speak in Python values and let boto3
translate both ways. Numbers come back as ``Decimal``: :func:`plain` gives them back as int
(every number the handlers store is a whole number of seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Value = str | int | bool


def item(**attributes: Value | None) -> dict[str, AttributeValueTypeDef]:
    """An item, a key or ``ExpressionAttributeValues`` (``None`` attributes are left out)."""
    return {name: _serializer.serialize(value) for name, value in attributes.items()
            if value is not None}  # fmt: skip


def values(**placeholders: Value) -> dict[str, AttributeValueTypeDef]:
    """``ExpressionAttributeValues`` for ``:name`` placeholders given as ``name=value``."""
    return {f":{name}": _serializer.serialize(value) for name, value in placeholders.items()}


def plain(attributes: Mapping[str, AttributeValueTypeDef]) -> dict[str, Value]:
    """An item read from DynamoDB as Python values."""
    result: dict[str, Value] = {}
    for name, attribute in attributes.items():
        value = _deserializer.deserialize(attribute)
        result[name] = int(value) if isinstance(value, Decimal) else value
    return result
