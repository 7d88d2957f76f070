"""The ``alarms`` and ``alarmEmails`` config: thresholds and periods of the CloudWatch
alarms and who hears about them (docs/operations.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictStr, model_validator

from infra.config_errors import RuleBroken
from infra.config_types import NonNegativeNumber, PositiveInt, Section, check, matches

# Deliberately loose: SNS sends a confirmation mail, which is the real check of an address.
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
MAX_ALARM_EMAILS = 10

# PutMetricAlarm (CloudWatch API reference, "Period"): Period x EvaluationPeriods may not
# exceed 7 days, nor 1 day when the period is shorter than an hour.
_ONE_DAY_MINUTES = 24 * 60
_SEVEN_DAYS_MINUTES = 7 * _ONE_DAY_MINUTES


class AlarmsConfig(Section):
    """``api-sales:alarms``. Defaults: any error, throttle or sweep correction alarms at once."""

    period_minutes: PositiveInt = 5  # the period of every health alarm
    evaluation_periods: PositiveInt = 1  # consecutive breaching periods before ALARM
    function_errors: NonNegativeNumber = 0  # ALARM when a function's Errors exceed this
    function_throttles: NonNegativeNumber = 0
    webhook_5xx: NonNegativeNumber = Field(default=0, alias="webhook5xx")  # POST /stripe/webhook
    # 5XXError / Count of the whole stage, in percent
    api_5xx_rate_percent: Annotated[
        NonNegativeNumber,
        check(lambda v: 0 < v < 100, "must be a percentage above 0 and below 100"),
    ] = Field(default=5, alias="api5xxRatePercent")
    dynamodb_throttles: NonNegativeNumber = 0  # ThrottledRequests of a table
    dynamodb_system_errors: NonNegativeNumber = 0
    sweep_corrections: NonNegativeNumber = 0  # records the sweep repaired in one period
    sweep_missed_runs: PositiveInt = 2  # sweep intervals without a finished run before ALARM

    @model_validator(mode="after")
    def _cloudwatch_accepts_the_range(self) -> AlarmsConfig:
        check_evaluation_range(self.period_minutes, self.evaluation_periods, "evaluationPeriods")
        return self


def check_evaluation_range(period_minutes: int, evaluation_periods: int, *key: str) -> None:
    """Refuse what CloudWatch would refuse at deploy time, naming the config key instead."""
    span = period_minutes * evaluation_periods
    limit = _ONE_DAY_MINUTES if period_minutes < 60 else _SEVEN_DAYS_MINUTES
    if span > limit:
        raise RuleBroken(
            f"{evaluation_periods} periods of {period_minutes} min span {span} min; CloudWatch "
            f"allows at most {limit} min for this period",
            *key,
        )


AlarmEmail = Annotated[StrictStr, check(matches(_EMAIL), "is not an e-mail address")]


def distinct_emails(addresses: tuple[str, ...]) -> tuple[str, ...]:
    """``api-sales:alarmEmails``: each address subscribed once to the alarm topic."""
    if len(addresses) > MAX_ALARM_EMAILS:
        raise ValueError(f"lists more than {MAX_ALARM_EMAILS} addresses")
    seen: set[str] = set()
    for index, address in enumerate(addresses):
        if address.lower() in seen:
            raise RuleBroken(f"{address!r} is listed twice", index)
        seen.add(address.lower())
    return addresses
