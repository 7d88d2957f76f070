"""Secrets from Secrets Manager, cached per container for five minutes (Powertools)."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from apisales.adapters.aws import secretsmanager

MAX_AGE_SECONDS = 300

_provider: SecretsProvider | None = None


def secret(arn: str) -> str:
    global _provider
    if _provider is None:
        # Powertools' default provider would open a boto3 session of its own.
        _provider = SecretsProvider(boto3_client=secretsmanager())
    value = _provider.get(arn, max_age=MAX_AGE_SECONDS)
    return value.decode() if isinstance(value, bytes) else str(value)


def reset() -> None:
    """Forget cached secrets and the provider (tests rotate secrets and change endpoints)."""
    global _provider
    _provider = None
