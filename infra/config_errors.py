"""The error every config check raises, in its own module so that the parsers split out of
infra/config.py (infra/alarm_config.py) can raise it without a circular import."""

from __future__ import annotations

NAMESPACE = "api-sales"


class ConfigError(ValueError):
    """A config value is missing or wrong; the message starts with the full key."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{NAMESPACE}:{key}: {problem}")
        self.key = key
