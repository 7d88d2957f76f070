"""The stack's CloudWatch alarms as data: which metric, which threshold, what it means.

infra/monitoring.py registers one MetricAlarm per :class:`AlarmSpec` and the dashboard
(infra/dashboard.py) draws one graph per spec from the same definition, so what is graphed
is exactly what alarms. docs/operations.md explains each alarm to the seller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

import pulumi

from infra.alarm_config import AlarmsConfig
from infra.metric_vocabulary import vocabulary

GREATER = "GreaterThanThreshold"
LESS = "LessThanThreshold"
# Lambda, API Gateway and DynamoDB publish nothing while idle (DynamoDB only non-zero
# values, per its metrics reference), so silence is health for those alarms.
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"

# DynamoDB publishes ThrottledRequests and SystemErrors per (TableName, Operation) only
# (DynamoDB developer guide, "DynamoDB Metrics and dimensions"): the alarms add up the
# operations the functions are allowed to call (infra/functions.py). A test fails when a
# function is granted an operation missing here.
DYNAMODB_OPERATIONS: tuple[str, ...] = ("GetItem", "Query", "Scan", "PutItem", "UpdateItem")


@dataclass(frozen=True)
class MetricRef:
    namespace: str
    name: str
    dimensions: Mapping[str, pulumi.Input[str]]
    stat: str = "Sum"


@dataclass(frozen=True)
class AlarmSpec:
    key: str  # unique within the stack; the alarm is named "<stack>-<key>"
    title: str  # the dashboard graph's title
    description: str  # what it means and what to do, shown in the alarm mail
    comparison: str
    threshold: float
    period_s: int
    evaluation_periods: int
    treat_missing_data: str
    metric: MetricRef | None = None  # a single-metric alarm, or
    expression: str | None = None  # metric math over ``metrics`` (id -> metric)
    metrics: Mapping[str, MetricRef] = field(default_factory=dict)


class _Shared(TypedDict):
    """The fields every health alarm has in common."""

    period_s: int
    evaluation_periods: int
    treat_missing_data: str
    comparison: str


def health_alarms(
    alarms: AlarmsConfig,
    function_names: Mapping[str, pulumi.Input[str]],
    webhook_concern: str,
    table_names: Mapping[str, pulumi.Input[str]],
    api_name: pulumi.Input[str],
    stage_name: pulumi.Input[str],
    webhook_method: str,
    webhook_resource: str,
) -> list[AlarmSpec]:
    """Errors and throttles of every function, the webhook's 5xx, the API's 5xx rate, and
    throttles and system errors of every table."""
    period = alarms.period_minutes * 60
    common: _Shared = {
        "period_s": period,
        "evaluation_periods": alarms.evaluation_periods,
        "treat_missing_data": NOT_BREACHING,
        "comparison": GREATER,
    }
    specs: list[AlarmSpec] = []
    for concern, function in sorted(function_names.items()):
        lambda_dims = {"FunctionName": function}
        specs.append(AlarmSpec(
            key=f"{concern}-errors", title=f"{concern} function errors",
            description=f"The {concern} function failed (uncaught error or timeout). See its "
                        "log group for the error; Stripe retries a failed webhook for 3 days.",
            threshold=alarms.function_errors,
            metric=MetricRef("AWS/Lambda", "Errors", lambda_dims), **common,
        ))  # fmt: skip
        specs.append(AlarmSpec(
            key=f"{concern}-throttles", title=f"{concern} function throttles",
            description=f"Lambda refused to run the {concern} function (account or reserved "
                        "concurrency exhausted). Raise the concurrency quota.",
            threshold=alarms.function_throttles,
            metric=MetricRef("AWS/Lambda", "Throttles", lambda_dims), **common,
        ))  # fmt: skip
    stage = {"ApiName": api_name, "Stage": stage_name}
    specs.append(AlarmSpec(
        key="webhook-5xx", title=f"{webhook_method} {webhook_resource} 5xx",
        description="Stripe webhook deliveries were answered 5xx: plan changes are not applied "
                    f"until Stripe's retries succeed. Check the {webhook_concern} function's log.",
        threshold=alarms.webhook_5xx,
        metric=MetricRef("AWS/ApiGateway", "5XXError",
                         {**stage, "Method": webhook_method, "Resource": webhook_resource}),
        **common,
    ))  # fmt: skip
    specs.append(AlarmSpec(
        key="api-5xx-rate", title="API 5xx rate (%)",
        description="A share of all API requests above the threshold failed with 5xx. Check "
                    "the functions' errors and the upstream API.",
        threshold=alarms.api_5xx_rate_percent,
        expression="IF(requests > 0, 100 * errors / requests, 0)",
        metrics={"errors": MetricRef("AWS/ApiGateway", "5XXError", stage),
                 "requests": MetricRef("AWS/ApiGateway", "Count", stage)},
        **common,
    ))  # fmt: skip
    for table_key, table in sorted(table_names.items()):
        for metric_name, key, meaning in (
            (
                "ThrottledRequests",
                "throttles",
                "throttled requests (on-demand capacity or a hot partition)",
            ),
            ("SystemErrors", "system-errors", "failed with an internal DynamoDB error"),
        ):
            ids = {f"op_{op.lower()}": op for op in DYNAMODB_OPERATIONS}
            specs.append(AlarmSpec(
                key=f"table-{table_key}-{key}", title=f"{table_key} table {metric_name}",
                description=f"Requests to the {table_key} table {meaning}; the functions "
                            "answered 5xx for them and Stripe or the client retries.",
                threshold=(alarms.dynamodb_throttles if key == "throttles"
                           else alarms.dynamodb_system_errors),
                # DynamoDB sends no datapoint for an operation without events: fill zeros.
                expression=" + ".join(f"FILL({i}, 0)" for i in ids),
                metrics={i: MetricRef("AWS/DynamoDB", metric_name,
                                      {"TableName": table, "Operation": op})
                         for i, op in ids.items()},
                **common,
            ))  # fmt: skip
    return specs


def sweep_alarms(
    alarms: AlarmsConfig, metrics_service: pulumi.Input[str], interval_minutes: int
) -> list[AlarmSpec]:
    """Corrections the reconciliation sweep made, and a sweep that stopped running."""
    names = vocabulary()
    dims = {names.SERVICE: metrics_service}
    period = interval_minutes * 60
    return [
        AlarmSpec(
            key="sweep-corrections", title="Sweep corrections",
            description="The reconciliation sweep found keys on the wrong plan and repaired "
                        "them: webhooks were missed. Check the Stripe endpoint's delivery log.",
            comparison=GREATER, threshold=alarms.sweep_corrections, period_s=period,
            evaluation_periods=1, treat_missing_data=NOT_BREACHING,
            metric=MetricRef(names.NAMESPACE, names.Metric.SWEEP_CORRECTIONS.value, dims),
        ),
        AlarmSpec(
            key="sweep-not-run", title="Sweep runs",
            description=f"The reconciliation sweep has not finished a run in "
                        f"{alarms.sweep_missed_runs} intervals: drift is no longer repaired. "
                        "Check its schedule and its log group.",
            # No datapoint at all is exactly the failure: missing data breaches.
            comparison=LESS, threshold=1, period_s=period,
            evaluation_periods=alarms.sweep_missed_runs, treat_missing_data=BREACHING,
            metric=MetricRef(names.NAMESPACE, names.Metric.SWEEP_RUNS.value, dims),
        ),
    ]  # fmt: skip
