"""alarms-notify and sns-topic-customer-key."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import ALARMS_NOTIFY, METRIC_ALARM, SNS_TOPIC, SNS_TOPIC_CUSTOMER_KEY
from tests.policies.policy_support import violations

TOPIC_ARN = "arn:aws:sns:ap-northeast-1:123456789012:api-sales-dev-alarms"
ALARM: dict[str, Any] = {
    "name": "api-sales-dev-webhook-errors",
    "namespace": "AWS/Lambda",
    "metricName": "Errors",
    "comparisonOperator": "GreaterThanThreshold",
    "threshold": 0.0,
    "evaluationPeriods": 1.0,
    "actionsEnabled": True,
    "alarmActions": [TOPIC_ARN],
    "okActions": [TOPIC_ARN],
}
KEY_ARN = "arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_an_alarm_notifying_on_alarm_and_ok_passes() -> None:
    assert violations(ALARMS_NOTIFY, METRIC_ALARM, ALARM) == []
    unset = {k: v for k, v in ALARM.items() if k != "actionsEnabled"}  # AWS's default: on
    assert violations(ALARMS_NOTIFY, METRIC_ALARM, unset) == []


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"alarmActions": []}, "no alarm_actions"),
        ({"alarmActions": None}, "no alarm_actions"),
        ({"okActions": [""]}, "no ok_actions"),
        ({"actionsEnabled": False}, "actions_enabled=False"),
    ],
)
def test_an_alarm_nobody_hears_is_refused(change: dict[str, Any], fragment: str) -> None:
    [message] = violations(ALARMS_NOTIFY, METRIC_ALARM, {**ALARM, **change}, "webhook-errors")
    assert fragment in message and "'webhook-errors'" in message


def test_other_types_are_not_alarms() -> None:
    assert violations(ALARMS_NOTIFY, SNS_TOPIC, {}) == []


def test_a_topic_under_a_customer_key_passes() -> None:
    assert violations(SNS_TOPIC_CUSTOMER_KEY, SNS_TOPIC, {"kmsMasterKeyId": KEY_ARN}) == []
    assert violations(SNS_TOPIC_CUSTOMER_KEY, SNS_TOPIC, {"kmsMasterKeyId": "alias/alarms"}) == []


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        (None, "is not encrypted"),
        ("", "is not encrypted"),
        ("alias/aws/sns", "AWS managed key"),
        ("arn:aws:kms:ap-northeast-1:123456789012:alias/aws/sns", "AWS managed key"),
    ],
)
def test_an_unencrypted_or_aws_managed_topic_is_refused(key: str | None, fragment: str) -> None:
    [message] = violations(SNS_TOPIC_CUSTOMER_KEY, SNS_TOPIC, {"kmsMasterKeyId": key}, "alarms")
    assert fragment in message
