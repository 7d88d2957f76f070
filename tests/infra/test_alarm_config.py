"""`alarms` and `alarmEmails`: defaults, and a bad value stops the program naming the key."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra.alarm_config import AlarmsConfig
from infra.config import ConfigError, load_config
from tests.infra.harness import TEST_SECRETS, dev_config, run_program


def _load(**overrides: Any):
    values = {**dev_config(), **{f"api-sales:{k}": v for k, v in TEST_SECRETS.items()}}
    values.update({f"api-sales:{k}": v for k, v in overrides.items()})
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()},
        [f"api-sales:{k}" for k in TEST_SECRETS],
    )
    return load_config()


def test_defaults_alarm_on_the_first_error_every_five_minutes():
    config = _load()
    assert config.alarms == AlarmsConfig()
    assert (config.alarms.period_minutes, config.alarms.evaluation_periods) == (5, 1)
    assert config.alarms.function_errors == 0
    assert config.alarms.api_5xx_rate_percent == 5
    assert config.alarms.sweep_missed_runs == 2
    assert config.alarm_emails == ()


def test_every_setting_is_read():
    config = _load(
        alarms={
            "periodMinutes": 15, "evaluationPeriods": 3, "functionErrors": 2,
            "functionThrottles": 1, "webhook5xx": 4, "api5xxRatePercent": 2.5,
            "dynamodbThrottles": 10, "dynamodbSystemErrors": 1, "sweepCorrections": 5,
            "sweepMissedRuns": 4,
        },
        alarmEmails=["ops@seller.example", "Owner@Seller.example"],
    )  # fmt: skip
    assert config.alarms == AlarmsConfig(
        period_minutes=15, evaluation_periods=3, function_errors=2, function_throttles=1,
        webhook_5xx=4, api_5xx_rate_percent=2.5, dynamodb_throttles=10,
        dynamodb_system_errors=1, sweep_corrections=5, sweep_missed_runs=4,
    )  # fmt: skip
    assert config.alarm_emails == ("ops@seller.example", "Owner@Seller.example")


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"alarms": ["periodMinutes"]}, "alarms"),
        ({"alarms": {"periodMinute": 5}}, "alarms.periodMinute"),  # a typo is not ignored
        ({"alarms": {"periodMinutes": 0}}, "alarms.periodMinutes"),
        ({"alarms": {"periodMinutes": 2.5}}, "alarms.periodMinutes"),
        ({"alarms": {"evaluationPeriods": True}}, "alarms.evaluationPeriods"),
        ({"alarms": {"functionErrors": -1}}, "alarms.functionErrors"),
        ({"alarms": {"webhook5xx": "0"}}, "alarms.webhook5xx"),
        ({"alarms": {"api5xxRatePercent": 0}}, "alarms.api5xxRatePercent"),
        ({"alarms": {"api5xxRatePercent": 100}}, "alarms.api5xxRatePercent"),
        ({"alarms": {"sweepMissedRuns": 0}}, "alarms.sweepMissedRuns"),
        # under an hour a period may span at most a day (PutMetricAlarm)
        ({"alarms": {"periodMinutes": 30, "evaluationPeriods": 49}}, "alarms.evaluationPeriods"),
        ({"alarms": {"periodMinutes": 60, "evaluationPeriods": 169}}, "alarms.evaluationPeriods"),
        ({"alarmEmails": "ops@seller.example"}, "alarmEmails"),
        ({"alarmEmails": ["ops@seller.example", "not an address"]}, "alarmEmails[1]"),
        ({"alarmEmails": ["ops@seller.example", "OPS@seller.example"]}, "alarmEmails[1]"),
        ({"alarmEmails": [f"ops{i}@seller.example" for i in range(11)]}, "alarmEmails"),
    ],
)
def test_bad_value_names_the_key(overrides, key):
    with pytest.raises(ConfigError) as error:
        _load(**overrides)
    assert str(error.value).startswith(f"api-sales:{key}: "), str(error.value)


def test_limits_of_the_evaluation_range_are_accepted():
    assert _load(alarms={"periodMinutes": 30, "evaluationPeriods": 48}).alarms.evaluation_periods
    assert _load(alarms={"periodMinutes": 60, "evaluationPeriods": 168}).alarms.period_minutes


def test_the_program_stops_on_a_bad_alarm_setting():
    with pytest.raises(ConfigError, match=r"^api-sales:alarms\.functionErrors: "):
        run_program({"alarms": {"functionErrors": -1}})
