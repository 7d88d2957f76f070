"""The reconciliation sweep as the program registers it: its function and least-privilege
role, its schedule (rate from config, retries, dead letters) and the schedule's own role."""

from __future__ import annotations

import json

import pytest

from infra.config import ConfigError
from infra.sweep_schedule import max_event_age, rate_expression
from tests.infra.harness import ACCOUNT_ID, run_program

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SCHEDULE = "aws:scheduler/schedule:Schedule"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"


def _statements(run, name: str) -> dict[str, dict]:
    policy = run.named(ROLE_POLICY, name).inputs["policy"]
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


def test_the_sweep_runs_hourly_by_default_through_a_role_that_may_only_invoke_it(dev_run):
    [schedule] = dev_run.of_type(SCHEDULE)
    function = dev_run.named(FUNCTION, "functions-sweep")
    [queue] = dev_run.of_type(QUEUE)
    inputs = schedule.inputs
    assert inputs["name"] == "api-sales-dev-sweep"
    assert inputs["scheduleExpression"] == "rate(1 hour)"
    assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    assert inputs["state"] == "ENABLED"
    target = inputs["target"]
    assert target["arn"] == function.outputs["arn"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"] == {"arn": queue.outputs["arn"]}
    role = dev_run.named(ROLE, "sweep-invoker")
    assert target["roleArn"] == role.outputs["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
    }]  # fmt: skip
    statements = _statements(dev_run, "sweep-invoker")
    assert statements == {
        "InvokeSweep": {"Sid": "InvokeSweep", "Effect": "Allow",
                        "Action": ["lambda:InvokeFunction"], "Resource": [function.outputs["arn"]]},
        "DeadLetters": {"Sid": "DeadLetters", "Effect": "Allow", "Action": ["sqs:SendMessage"],
                        "Resource": [queue.outputs["arn"]]},
    }  # fmt: skip
    # The schedule waits for its role's policy: the first run must not be refused.
    assert "sweep-invoker" in schedule.depends_on
    assert queue.inputs["sqsManagedSseEnabled"] is True


def test_the_sweep_function_is_behind_no_route_and_holds_only_what_it_uses(dev_run):
    permissions = [p.inputs["function"] for p in dev_run.of_type(PERMISSION)]
    sweep = dev_run.named(FUNCTION, "functions-sweep")
    assert sweep.inputs["name"] not in permissions  # API Gateway may not invoke it
    assert sweep.inputs["handler"] == "apisales.routes.sweep.lambda_handler"
    assert sweep.inputs["timeout"] == 300
    statements = _statements(dev_run, "functions-sweep")
    assert set(statements) == {"Logs", "XRayTraces", "Tables", "ScanUsers", "StripeSecrets",
                               "ApiKeys", "PlanAttributes"}  # fmt: skip
    users = dev_run.named(TABLE, "data-users").outputs["arn"]
    state = dev_run.named(TABLE, "data-sweep-state").outputs["arn"]
    assert statements["ScanUsers"]["Action"] == ["dynamodb:Scan"]
    assert statements["ScanUsers"]["Resource"] == [users]  # not the index, not other tables
    assert set(statements["Tables"]["Resource"]) == {
        users, state, f"{users}/index/by_stripe_customer_id"}
    # Only the API key secret: the sweep never verifies a webhook.
    assert len(statements["StripeSecrets"]["Resource"]) == 1
    env = sweep.inputs["environment"]["variables"]
    assert env["SWEEP_STATE_TABLE"] == dev_run.named(TABLE, "data-sweep-state").outputs["name"]
    assert env["SWEEP_STRIPE_READS_PER_SECOND"] == "10"
    assert env["METRICS_SERVICE"] == "api-sales-dev"  # the sweep alarms' `service` dimension
    assert "STRIPE_WEBHOOK_SECRET_ARN" not in env


def test_the_interval_and_the_stripe_budget_come_from_config():
    run = run_program({"sweepIntervalMinutes": "15", "sweepStripeReadsPerSecond": "4.5"})
    [schedule] = run.of_type(SCHEDULE)
    assert schedule.inputs["scheduleExpression"] == "rate(15 minutes)"
    assert schedule.inputs["target"]["retryPolicy"]["maximumEventAgeInSeconds"] == 900
    env = run.named(FUNCTION, "functions-sweep").inputs["environment"]["variables"]
    assert env["SWEEP_STRIPE_READS_PER_SECOND"] == "4.5"
    alarms = {a.inputs["name"]: a.inputs for a in run.of_type(
        "aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms["api-sales-dev-sweep-not-run"]["period"] == 900


@pytest.mark.parametrize(("override", "key"), [
    ({"sweepIntervalMinutes": "0"}, "sweepIntervalMinutes"),
    ({"sweepIntervalMinutes": "1441"}, "sweepIntervalMinutes"),
    ({"sweepIntervalMinutes": "hourly"}, "sweepIntervalMinutes"),
    ({"sweepStripeReadsPerSecond": "0"}, "sweepStripeReadsPerSecond"),
    ({"sweepStripeReadsPerSecond": "100"}, "sweepStripeReadsPerSecond"),
    ({"sweepStripeReadsPerSecond": "fast"}, "sweepStripeReadsPerSecond"),
])
def test_a_bad_sweep_setting_names_the_key(override, key):
    with pytest.raises(ConfigError, match=rf"^api-sales:{key}: "):
        run_program(override)


@pytest.mark.parametrize(("minutes", "expression", "age"), [
    (1, "rate(1 minute)", 60), (5, "rate(5 minutes)", 300), (60, "rate(1 hour)", 3600),
    (90, "rate(90 minutes)", 5400), (120, "rate(2 hours)", 7200), (1440, "rate(24 hours)", 86400),
])
def test_rate_expressions_as_scheduler_spells_them(minutes, expression, age):
    assert rate_expression(minutes) == expression
    assert max_event_age(minutes) == age
