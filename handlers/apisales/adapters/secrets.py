"""Secrets from Secrets Manager, cached per container for five minutes (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

MAX_AGE_SECONDS = 300


def secret(arn: str) -> str:
    value = parameters.get_secret(arn, max_age=MAX_AGE_SECONDS)
    return value.decode() if isinstance(value, bytes) else str(value)
