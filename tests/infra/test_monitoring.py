"""Alarms, topic and dashboard as the program registers them (infra/monitoring.py)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.runtime.stack import wait_for_rpcs

from apisales import business_metrics
from infra.alarm_config import AlarmsConfig
from infra.alarms import DYNAMODB_OPERATIONS
from infra.config import ConfigError
from infra.monitoring import Monitoring, MonitoringArgs
from sandbox.program_runner import wait
from tests.infra.harness import ProgramRun, RecordingMocks, RegisteredResource, run_program

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"
REST_API = "aws:apigateway/restApi:RestApi"
STAGE = "aws:apigateway/stage:Stage"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

CONCERNS = ("account", "billing", "product", "sweep", "webhook")
TABLES = ("checkout-sessions", "stripe-events", "sweep-state", "users")


def _alarms(run: ProgramRun) -> dict[str, dict[str, Any]]:
    """Alarm name without the stack prefix -> inputs."""
    return {r.inputs["name"].removeprefix("api-sales-dev-"): r.inputs for r in run.of_type(ALARM)}


def _topic_arn(run: ProgramRun) -> str:
    [topic] = run.of_type(TOPIC)
    return topic.outputs["arn"]


def _function_name(run: ProgramRun, concern: str) -> str:
    return run.named(FUNCTION, f"functions-{concern}").inputs["name"]


def _table_name(run: ProgramRun, key: str) -> str:
    return run.named(TABLE, f"data-{key}").outputs["name"]


def _queries(alarm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in alarm["metricQueries"]}


def test_the_program_registers_exactly_the_health_alarms(dev_run):
    expected = {f"{c}-{kind}" for c in CONCERNS for kind in ("errors", "throttles")}
    expected |= {f"table-{t}-{kind}" for t in TABLES for kind in ("throttles", "system-errors")}
    expected |= {"webhook-5xx", "api-5xx-rate", "sweep-corrections", "sweep-not-run"}
    assert set(_alarms(dev_run)) == expected


def test_the_sweep_alarms_watch_the_scheduled_interval(dev_run):
    alarms = _alarms(dev_run)
    # Pulumi.dev.yaml leaves sweepIntervalMinutes at its default: hourly.
    assert alarms["sweep-corrections"]["period"] == 3600
    assert alarms["sweep-not-run"]["period"] == 3600
    assert alarms["sweep-not-run"]["treatMissingData"] == "breaching"
    assert alarms["sweep-corrections"]["dimensions"] == {"service": "api-sales-dev"}


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(dev_run):
    topic = _topic_arn(dev_run)
    for name, alarm in _alarms(dev_run).items():
        assert alarm["alarmActions"] == [topic], name
        assert alarm["okActions"] == [topic], name
        assert alarm["actionsEnabled"] is True, name
        assert alarm["alarmDescription"], name


@pytest.mark.parametrize("concern", CONCERNS)
def test_each_function_has_an_errors_and_a_throttles_alarm(dev_run, concern):
    alarms = _alarms(dev_run)
    for kind, metric in (("errors", "Errors"), ("throttles", "Throttles")):
        alarm = alarms[f"{concern}-{kind}"]
        assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
            "AWS/Lambda", metric, "Sum")  # fmt: skip
        assert alarm["dimensions"] == {"FunctionName": _function_name(dev_run, concern)}
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 0
        assert (alarm["period"], alarm["evaluationPeriods"]) == (300, 1)
        assert alarm["treatMissingData"] == "notBreaching"


def test_the_webhook_5xx_alarm_watches_the_webhook_method_of_the_stage(dev_run):
    alarm = _alarms(dev_run)["webhook-5xx"]
    api_name = dev_run.of_type(REST_API)[0].inputs["name"]
    stage = dev_run.of_type(STAGE)[0].inputs["stageName"]
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/ApiGateway", "5XXError", "Sum")  # fmt: skip
    assert alarm["dimensions"] == {
        "ApiName": api_name, "Stage": stage, "Method": "POST", "Resource": "/stripe/webhook",
    }  # fmt: skip
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
    assert alarm["treatMissingData"] == "notBreaching"


def test_the_api_5xx_rate_is_5xx_over_count_of_the_whole_stage(dev_run):
    alarm = _alarms(dev_run)["api-5xx-rate"]
    api_name = dev_run.of_type(REST_API)[0].inputs["name"]
    stage = dev_run.of_type(STAGE)[0].inputs["stageName"]
    assert "metricName" not in alarm and "namespace" not in alarm
    queries = _queries(alarm)
    assert queries["alarmed"]["returnData"] is True
    assert queries["alarmed"]["expression"] == "IF(requests > 0, 100 * errors / requests, 0)"
    for query_id, metric in (("errors", "5XXError"), ("requests", "Count")):
        assert queries[query_id]["returnData"] is False
        assert queries[query_id]["metric"] == {
            "namespace": "AWS/ApiGateway", "metricName": metric, "stat": "Sum", "period": 300,
            "dimensions": {"ApiName": api_name, "Stage": stage},
        }  # fmt: skip
    assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 5)


@pytest.mark.parametrize("table", TABLES)
def test_each_table_has_throttle_and_system_error_alarms_over_every_operation(dev_run, table):
    alarms = _alarms(dev_run)
    for kind, metric in (("throttles", "ThrottledRequests"), ("system-errors", "SystemErrors")):
        alarm = alarms[f"table-{table}-{kind}"]
        queries = _queries(alarm)
        operations = {
            q["metric"]["dimensions"]["Operation"] for q in queries.values() if "metric" in q
        }
        assert operations == set(DYNAMODB_OPERATIONS)
        for query_id, query in queries.items():
            if query_id == "alarmed":
                assert query["returnData"] is True
                continue
            assert query["metric"]["namespace"] == "AWS/DynamoDB"
            assert query["metric"]["metricName"] == metric
            assert query["metric"]["dimensions"]["TableName"] == _table_name(dev_run, table)
            # Each operation is summed, filled with zeros when DynamoDB sent nothing for it.
            assert f"FILL({query_id}, 0)" in queries["alarmed"]["expression"]
        assert (alarm["comparisonOperator"], alarm["threshold"]) == ("GreaterThanThreshold", 0)
        assert alarm["treatMissingData"] == "notBreaching"


def test_table_alarms_cover_every_dynamodb_action_a_function_is_granted(dev_run):
    granted = set()
    for policy in dev_run.of_type(ROLE_POLICY):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                if action.startswith("dynamodb:"):
                    granted.add(action.removeprefix("dynamodb:"))
    assert granted  # the functions do use DynamoDB
    assert granted <= set(DYNAMODB_OPERATIONS)


def test_thresholds_and_periods_come_from_config():
    run = run_program(
        {
            "alarms": {
                "periodMinutes": 15, "evaluationPeriods": 3, "functionErrors": 2,
                "functionThrottles": 1, "webhook5xx": 4, "api5xxRatePercent": 2.5,
                "dynamodbThrottles": 10, "dynamodbSystemErrors": 7,
            }
        }
    )  # fmt: skip
    alarms = _alarms(run)
    assert alarms["account-errors"]["threshold"] == 2
    assert alarms["webhook-throttles"]["threshold"] == 1
    assert alarms["webhook-5xx"]["threshold"] == 4
    assert alarms["api-5xx-rate"]["threshold"] == 2.5
    assert alarms["table-users-throttles"]["threshold"] == 10
    assert alarms["table-users-system-errors"]["threshold"] == 7
    for name, alarm in alarms.items():
        if name.startswith("sweep-"):
            continue  # the sweep's alarms follow its own interval (sweepIntervalMinutes)
        assert alarm["evaluationPeriods"] == 3, name
        periods = [alarm.get("period")] if "period" in alarm else [
            q["metric"]["period"] for q in alarm["metricQueries"] if "metric" in q
        ]  # fmt: skip
        assert periods and set(periods) == {900}, name


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use(dev_run):
    [topic] = dev_run.of_type(TOPIC)
    [key] = dev_run.of_type(KEY)
    assert topic.inputs["name"] == "api-sales-dev-alarms"
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert topic.inputs["kmsMasterKeyId"] != "alias/aws/sns"  # CloudWatch cannot use that key
    assert key.inputs["enableKeyRotation"] is True
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    cloudwatch = statements["CloudWatchAlarmsPublish"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert statements["AccountAdministersTheKey"]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"
    }


def test_email_subscriptions_follow_config(dev_run):
    assert dev_run.of_type(SUBSCRIPTION) == []
    run = run_program({"alarmEmails": ["ops@seller.example", "owner@seller.example"]})
    subscriptions = run.of_type(SUBSCRIPTION)
    topic = _topic_arn(run)
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == [
        "ops@seller.example", "owner@seller.example"]  # fmt: skip
    for subscription in subscriptions:
        assert (subscription.inputs["protocol"], subscription.inputs["topic"]) == ("email", topic)
    # Named by address, so reordering the list replaces nothing.
    reordered = run_program({"alarmEmails": ["owner@seller.example", "ops@seller.example"]})

    def by_name(resources):
        return {s.name: s.inputs["endpoint"] for s in resources}

    assert by_name(reordered.of_type(SUBSCRIPTION)) == by_name(subscriptions)


def _dashboard(run: ProgramRun) -> dict[str, Any]:
    [dashboard] = run.of_type(DASHBOARD)
    assert dashboard.inputs["dashboardName"] == "api-sales-dev"
    return json.loads(dashboard.inputs["dashboardBody"])


def _metric_lines(body: dict[str, Any]) -> list[list[Any]]:
    return [
        line
        for w in body["widgets"]
        if w["type"] == "metric"
        for line in w["properties"]["metrics"]
    ]


def test_the_dashboard_shows_every_business_metric_of_this_stack(dev_run):
    body = _dashboard(dev_run)
    text = json.dumps(body)
    for metric in business_metrics.Metric:
        assert f'"{metric.value}"' in text or f'MetricName=\\"{metric.value}\\"' in text, metric
    business = [line for line in _metric_lines(body) if line[0] == business_metrics.NAMESPACE]
    assert business and all(line[2:4] == ["service", "api-sales-dev"] for line in business)
    causes = {line[5] for line in business if line[1] == "PlanChanges"}
    assert causes == {c.value for c in business_metrics.Cause}
    expressions = [line[0]["expression"] for line in _metric_lines(body) if "id" in line[0]]
    [search] = [e for e in expressions if e.startswith("SEARCH(")]
    assert 'MetricName="WebhookEvents"' in search and 'service="api-sales-dev"' in search


def test_the_dashboard_graphs_every_alarm_and_function_and_table(dev_run):
    body = _dashboard(dev_run)
    text = json.dumps(body)
    for concern in CONCERNS:
        assert f'"{_function_name(dev_run, concern)}"' in text
    for table in TABLES:
        assert f'"{_table_name(dev_run, table)}"' in text
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    alarm_arns = {a.outputs["arn"] for a in dev_run.of_type(ALARM)}
    assert set(status["properties"]["alarms"]) == alarm_arns
    graphs = {w["properties"]["title"]: w for w in body["widgets"] if w["type"] == "metric"}
    for name, alarm in _alarms(dev_run).items():
        [graph] = [g for title, g in graphs.items() if title.endswith(f"({name})")]
        properties = graph["properties"]
        assert properties["annotations"]["horizontal"][0]["value"] == alarm["threshold"]
        assert properties["period"] in (alarm.get("period"), 300)
        if "metricName" in alarm:
            [line] = properties["metrics"]
            assert line[:2] == [alarm["namespace"], alarm["metricName"]]
            assert dict(zip(line[2:-1:2], line[3:-1:2], strict=True)) == alarm["dimensions"]
        else:
            expression = properties["metrics"][0][0]["expression"]
            assert expression == _queries(alarm)["alarmed"]["expression"]
            graphed = {line[-1]["id"]: line for line in properties["metrics"][1:]}
            for query_id, query in _queries(alarm).items():
                if query_id != "alarmed":
                    assert graphed[query_id][:2] == [
                        query["metric"]["namespace"],
                        query["metric"]["metricName"],
                    ]
    for widget in body["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        if widget["type"] in ("metric", "alarm"):
            assert widget["properties"]["region"] == "ap-northeast-1"


def test_the_stack_exports_the_topic_and_dashboard(dev_run):
    assert dev_run.exports["alarmTopicArn"] == _topic_arn(dev_run)
    assert dev_run.exports["dashboardName"] == "api-sales-dev"


# The sweep's alarms, with the component on its own (the program has no sweep yet).


def _monitoring(
    alarms: AlarmsConfig, sweep_interval_minutes: int | None
) -> list[RegisteredResource]:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="api-sales", stack="test", preview=False)
    Monitoring(
        "monitoring",
        MonitoringArgs(
            name_prefix="api-sales-test", alarms=alarms, alarm_emails=(),
            account_id="123456789012", region="ap-northeast-1", metrics_service="api-sales-test",
            function_names={"webhook": "api-sales-test-webhook"}, webhook_concern="webhook",
            table_names={"users": "users-table"}, api_name="api-sales-test", stage_name="v1",
            webhook_method="POST", webhook_resource="/stripe/webhook",
            sweep_interval_minutes=sweep_interval_minutes,
        ),
    )  # fmt: skip
    wait(wait_for_rpcs())
    return mocks.resources


def _by_name(resources: list[RegisteredResource]) -> dict[str, dict[str, Any]]:
    return {
        r.inputs["name"].removeprefix("api-sales-test-"): r.inputs
        for r in resources
        if r.type == ALARM
    }


def test_with_a_sweep_every_hour_both_sweep_alarms_read_its_business_metrics():
    resources = _monitoring(AlarmsConfig(sweep_corrections=3, sweep_missed_runs=2), 60)
    alarms = _by_name(resources)
    corrections, not_run = alarms["sweep-corrections"], alarms["sweep-not-run"]
    dims = {"service": "api-sales-test"}
    assert (corrections["namespace"], corrections["metricName"]) == ("ApiSales", "SweepCorrections")
    assert corrections["dimensions"] == dims
    assert (corrections["comparisonOperator"], corrections["threshold"]) == (
        "GreaterThanThreshold", 3)  # fmt: skip
    assert (corrections["period"], corrections["treatMissingData"]) == (3600, "notBreaching")
    assert (not_run["namespace"], not_run["metricName"]) == ("ApiSales", "SweepRuns")
    assert not_run["dimensions"] == dims
    assert (not_run["comparisonOperator"], not_run["threshold"]) == ("LessThanThreshold", 1)
    # Silence is the failure: two hourly periods without a finished run breach.
    assert (not_run["period"], not_run["evaluationPeriods"]) == (3600, 2)
    assert not_run["treatMissingData"] == "breaching"
    body = json.loads(next(r for r in resources if r.type == DASHBOARD).inputs["dashboardBody"])
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(status["properties"]["alarms"]) == len(alarms) == 8


def test_without_a_sweep_there_is_no_sweep_alarm():
    assert set(_by_name(_monitoring(AlarmsConfig(), None))) == {
        "webhook-errors", "webhook-throttles", "webhook-5xx", "api-5xx-rate",
        "table-users-throttles", "table-users-system-errors",
    }  # fmt: skip


def test_a_sweep_alarm_cloudwatch_would_refuse_names_the_key():
    with pytest.raises(ConfigError, match=r"^api-sales:alarms\.sweepMissedRuns: "):
        _monitoring(AlarmsConfig(sweep_missed_runs=30), 360)  # 180 h > 7 days
