"""The quota mail deployed into ministack: its function, role and schedule exist and are
wired, and a run completes under its least-privilege role (IAM enforced): it scans the
users and reads each plan's usage. ministack answers GetUsage with no usage at all, so no
mail can be provoked here.

The mail logic itself (usage -> one mail per threshold per period, SES) is covered on
ministack with GetUsage stubbed on the real service model: tests/handlers/test_quota_mail.py
(docs/operations.md, "What the sandbox cannot show").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.deploy.config import sandbox_config
from sandbox.deploy.deploy import DeployedStack, deploy_stack
from sandbox.deploy.ministack import start_ministack
from sandbox.stripe_double import StripeDouble

pytestmark = pytest.mark.slow

SENDER = "quota@seller.example"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeployedStack, str]]:
    workdir: Path = tmp_path_factory.mktemp("quota-mail")
    with StripeDouble(port=0) as double:
        config = sandbox_config("http://localhost:8765", stripe_api_base=double.url,
                                stripe_secret_key=double.api_key)  # fmt: skip
        region = config["aws:region"]
        identity = f"arn:aws:ses:{region}:000000000000:identity/{SENDER}"
        config["api-sales:quotaMail"] = {"sourceArn": identity, "from": SENDER,
                                         "schedule": "rate(1 hour)"}  # fmt: skip
        with start_ministack(workdir, region=region, enforce_iam=True) as ministack:
            yield deploy_stack(ministack.endpoint_url, config, workdir), ministack.endpoint_url


def test_schedule_targets_the_function_with_its_own_role(
    deployed: tuple[DeployedStack, str],
) -> None:
    stack, _ = deployed
    function = stack.client("lambda").get_function_configuration(
        FunctionName="api-sales-sandbox-quota-mail")
    assert function["Environment"]["Variables"]["QUOTA_MAIL_SENDER"] == SENDER
    schedule = stack.client("scheduler").get_schedule(Name="api-sales-sandbox-quota-mail")
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["Target"]["Arn"] == function["FunctionArn"]
    assert schedule["Target"]["RoleArn"] != function["Role"]


def test_a_run_completes_under_its_own_role(deployed: tuple[DeployedStack, str]) -> None:
    stack, _ = deployed
    users = next(n for k, n in stack.table_names.items() if k == "users")
    stack.client("dynamodb").put_item(TableName=users, Item={
        "user_id": {"S": "ann"}, "api_key_id": {"S": "k1"}, "key_plan": {"S": "FREE"}})
    answer = stack.client("lambda").invoke(FunctionName="api-sales-sandbox-quota-mail",
                                           Payload=b"{}")  # fmt: skip
    payload = json.loads(answer["Payload"].read())
    assert not answer.get("FunctionError"), payload
    assert payload == {"sent": 0}  # ministack reports no usage for any key
