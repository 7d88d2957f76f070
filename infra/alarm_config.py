"""The ``alarms`` and ``alarmEmails`` config: thresholds and periods of the CloudWatch
alarms and who hears about them (docs/operations.md). Validated like the rest of
infra/config.py: a bad value stops the program with a :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from infra.config_errors import ConfigError

# Deliberately loose: SNS sends a confirmation mail, which is the real check of an address.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ALARM_EMAILS = 10

# PutMetricAlarm (CloudWatch API reference, "Period"): Period x EvaluationPeriods may not
# exceed 7 days, nor 1 day when the period is shorter than an hour.
_ONE_DAY_MINUTES = 24 * 60
_SEVEN_DAYS_MINUTES = 7 * _ONE_DAY_MINUTES


@dataclass(frozen=True)
class AlarmsConfig:
    """Defaults: any error, throttle or sweep correction alarms at once; see the docs."""

    period_minutes: int = 5  # the period of every health alarm
    evaluation_periods: int = 1  # consecutive breaching periods before ALARM
    function_errors: float = 0  # ALARM when a function's Errors in a period exceed this
    function_throttles: float = 0
    webhook_5xx: float = 0  # 5XXError of POST /stripe/webhook in a period
    api_5xx_rate_percent: float = 5  # 5XXError / Count of the whole stage, in percent
    dynamodb_throttles: float = 0  # ThrottledRequests of a table (all operations used)
    dynamodb_system_errors: float = 0
    sweep_corrections: float = 0  # records the sweep repaired in one of its periods
    sweep_missed_runs: int = 2  # sweep intervals without a finished run before ALARM


# config key -> field name, in the order the docs list them
ALARM_KEYS: dict[str, str] = {
    "periodMinutes": "period_minutes",
    "evaluationPeriods": "evaluation_periods",
    "functionErrors": "function_errors",
    "functionThrottles": "function_throttles",
    "webhook5xx": "webhook_5xx",
    "api5xxRatePercent": "api_5xx_rate_percent",
    "dynamodbThrottles": "dynamodb_throttles",
    "dynamodbSystemErrors": "dynamodb_system_errors",
    "sweepCorrections": "sweep_corrections",
    "sweepMissedRuns": "sweep_missed_runs",
}
_INTEGER_FIELDS = {"period_minutes", "evaluation_periods", "sweep_missed_runs"}
assert set(ALARM_KEYS.values()) == {f.name for f in fields(AlarmsConfig)}


def parse_alarms(raw: Any) -> AlarmsConfig:
    """``api-sales:alarms``: an object of the keys in :data:`ALARM_KEYS`, all optional."""
    if raw is None:
        return AlarmsConfig()
    if not isinstance(raw, dict):
        raise ConfigError("alarms", "must be an object such as {periodMinutes: 5}")
    unknown = sorted(set(raw) - set(ALARM_KEYS))
    if unknown:
        raise ConfigError(
            f"alarms.{unknown[0]}", f"is not an alarm setting (known: {', '.join(ALARM_KEYS)})"
        )
    values: dict[str, Any] = {}
    for key, field_name in ALARM_KEYS.items():
        if key not in raw:
            continue
        value = raw[key]
        if field_name in _INTEGER_FIELDS:
            values[field_name] = _positive_int(value, f"alarms.{key}")
        else:
            values[field_name] = _non_negative_number(value, f"alarms.{key}")
    config = AlarmsConfig(**values)
    if not 0 < config.api_5xx_rate_percent < 100:
        raise ConfigError(
            "alarms.api5xxRatePercent",
            f"must be a percentage above 0 and below 100 (got {config.api_5xx_rate_percent!r})",
        )
    check_evaluation_range(
        config.period_minutes, config.evaluation_periods, "alarms.evaluationPeriods"
    )
    return config


def check_evaluation_range(period_minutes: int, evaluation_periods: int, key: str) -> None:
    """Refuse what CloudWatch would refuse at deploy time, naming the config key instead."""
    span = period_minutes * evaluation_periods
    limit = _ONE_DAY_MINUTES if period_minutes < 60 else _SEVEN_DAYS_MINUTES
    if span > limit:
        raise ConfigError(
            key,
            f"{evaluation_periods} periods of {period_minutes} min span {span} min; CloudWatch "
            f"allows at most {limit} min for this period",
        )


def parse_alarm_emails(raw: Any) -> tuple[str, ...]:
    """``api-sales:alarmEmails``: a list of addresses, each subscribed to the alarm topic."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError("alarmEmails", "must be a list of e-mail addresses")
    if len(raw) > MAX_ALARM_EMAILS:
        raise ConfigError("alarmEmails", f"lists more than {MAX_ALARM_EMAILS} addresses")
    seen: set[str] = set()
    for index, address in enumerate(raw):
        if not isinstance(address, str) or not _EMAIL.match(address):
            raise ConfigError(f"alarmEmails[{index}]", f"is not an e-mail address ({address!r})")
        if address.lower() in seen:
            raise ConfigError(f"alarmEmails[{index}]", f"{address!r} is listed twice")
        seen.add(address.lower())
    return tuple(raw)


def _positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(key, f"must be a positive integer (got {value!r})")
    return value


def _non_negative_number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(key, f"must be a number of 0 or more (got {value!r})")
    return float(value)
