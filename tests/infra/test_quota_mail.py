"""The quota mail function, its schedule and their roles, as the program registers them."""

from __future__ import annotations

import json

import pulumi
import pytest

from infra.config import StackConfig, load_config
from infra.config_errors import ConfigError
from sandbox import program_runner
from tests.infra.harness import TEST_SECRETS, ProgramRun, dev_config, run_program

IDENTITY = "arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example"
SETTINGS = {"from": "FM Mail <no-reply@seller.example>", "sourceArn": IDENTITY,
            "schedule": "rate(30 minutes)"}  # fmt: skip
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
SCHEDULE = "aws:scheduler/schedule:Schedule"


@pytest.fixture(scope="module")
def run() -> ProgramRun:
    return run_program({"quotaMail": SETTINGS})


def _load(**overrides: object) -> StackConfig:
    """The dev stack's config with ``overrides``, as the program would load it."""
    values = {**dev_config(), **{f"api-sales:{k}": v for k, v in TEST_SECRETS.items()}}
    values.update({f"api-sales:{k}": v for k, v in overrides.items()})
    pulumi.runtime.set_all_config(program_runner.config_values(values))
    return load_config()


def _statements(run: ProgramRun, name: str) -> dict[str, dict]:
    policy = json.loads(run.named(POLICY, name).inputs["policy"])
    return {s["Sid"]: s for s in policy["Statement"]}


def test_off_unless_the_seller_opts_in(dev_run: ProgramRun) -> None:
    assert [s.name for s in dev_run.of_type(SCHEDULE)] == ["sweep-schedule"]  # the sweep's only
    assert all("quota" not in f.name for f in dev_run.of_type(FUNCTION))


def test_the_function_gets_what_the_handler_reads(run: ProgramRun) -> None:
    fn = run.named(FUNCTION, "quota-mail").inputs
    assert fn["name"] == "api-sales-dev-quota-mail"
    assert fn["handler"] == "apisales.routes.quota_mail.lambda_handler"
    assert fn["tracingConfig"] == {"mode": "Active"}
    env = fn["environment"]["variables"]
    users = run.named("aws:dynamodb/table:Table", "data-users")
    assert env["USERS_TABLE"] == users.outputs["name"]
    assert env["QUOTA_MAIL_SENDER"] == "FM Mail <no-reply@seller.example>"
    assert env["WEB_BASE_URL"].startswith("https://")
    catalog = json.loads(env["PLAN_CATALOG"])
    assert [(p["name"], p["quota"]) for p in catalog["plans"]] == [
        ("FREE", {"limit": 1000, "period": "MONTH"}),
        ("PRO", {"limit": 100000, "period": "MONTH"})]
    assert env["METRICS_SERVICE"] == "api-sales-dev"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "ApiSales"


def test_least_privilege(run: ProgramRun) -> None:
    statements = _statements(run, "quota-mail")
    users_arn = run.named("aws:dynamodb/table:Table", "data-users").outputs["arn"]
    assert statements["Users"]["Action"] == ["dynamodb:Scan", "dynamodb:UpdateItem"]
    assert statements["Users"]["Resource"] == [users_arn]
    assert statements["Send"] == {"Sid": "Send", "Effect": "Allow",
                                  "Action": ["ses:SendEmail"], "Resource": [IDENTITY]}
    assert statements["Addresses"]["Action"] == ["cognito-idp:AdminGetUser"]
    usage = statements["Usage"]
    assert usage["Action"] == ["apigateway:GET"]
    plan_ids = [p.id for p in run.of_type("aws:apigateway/usagePlan:UsagePlan")]
    assert sorted(usage["Resource"]) == sorted(
        f"arn:aws:apigateway:ap-northeast-1::/usageplans/{i}/usage" for i in plan_ids)
    assert set(statements) == {"Logs", "XRayTraces", "Users", "Addresses", "Usage", "Send"}


def test_the_schedule_runs_the_function_through_a_role_that_may_invoke_only_it(
    run: ProgramRun,
) -> None:
    schedule = run.named(SCHEDULE, "quota-mail").inputs
    fn = run.named(FUNCTION, "quota-mail")
    assert schedule["scheduleExpression"] == "rate(30 minutes)"
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule["target"]["arn"] == fn.outputs["arn"]
    role = run.named(ROLE, "quota-mail-schedule")
    assert schedule["target"]["roleArn"] == role.outputs["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert _statements(run, "quota-mail-schedule") == {"InvokeQuotaMail": {
        "Sid": "InvokeQuotaMail", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
        "Resource": [fn.outputs["arn"]]}}


def test_its_errors_and_throttles_alarm(run: ProgramRun) -> None:
    alarms = {a.name for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert {"monitoring-quota-mail-errors", "monitoring-quota-mail-throttles"} <= alarms


def test_the_policy_exists_before_the_function_and_the_schedule(run: ProgramRun) -> None:
    fn = run.named(FUNCTION, "quota-mail")
    schedule = run.named(SCHEDULE, "quota-mail")
    assert "quota-mail" in fn.depends_on  # the role policy (and the log group)
    assert "quota-mail-schedule" in schedule.depends_on


@pytest.mark.parametrize(("raw", "key"), [
    ({"sourceArn": "arn:aws:ses:x"}, "quotaMail.sourceArn"),
    ({"sourceArn": IDENTITY}, "quotaMail.from"),  # a domain identity names no sender
    ({**SETTINGS, "from": "x@elsewhere.example"}, "quotaMail.from"),
    ({**SETTINGS, "schedule": "rate(5 minutes)"}, "quotaMail.schedule"),
    ({**SETTINGS, "schedule": "every hour"}, "quotaMail.schedule"),
    ({**SETTINGS, "sender": "x"}, "quotaMail.sender"),
    ("yes", "quotaMail"),
])
def test_bad_settings_name_their_key(raw: object, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        _load(quotaMail=raw)
    assert error.value.key == key


def test_sender_and_identity_default_to_ses_email() -> None:
    address = "arn:aws:ses:ap-northeast-1:123456789012:identity/ops@seller.example"
    config = _load(quotaMail=True, sesEmail={"sourceArn": address}).quota_mail
    assert config is not None and config.sender == "ops@seller.example"
    assert config.source_arn == address and config.schedule == "rate(1 hour)"
    assert _load(sesEmail={"sourceArn": address}).quota_mail is None
    assert _load(quotaMail=False, sesEmail={"sourceArn": address}).quota_mail is None
