"""boto3 clients, created once per container on first use (keeps cold start small)."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Fail fast: a hung dependency should become a 5xx that Stripe retries, not a Lambda timeout.
_CONFIG = Config(
    connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}
)


@functools.cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def conditional_write(operation: str, **request: Any) -> bool:
    """A DynamoDB write with a ConditionExpression; False when the condition did not hold."""
    try:
        getattr(client("dynamodb"), operation)(**request)
        return True
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
