"""The alarm topic, its subscriptions, the alarms and the dashboard, deployed into ministack.

ministack holds alarms and dashboards and sends an alarm's SNS notifications on a state
change, but it does not evaluate Lambda, API Gateway or DynamoDB metrics the way CloudWatch
does (docs/operations.md, "What the sandbox cannot show"); the state is set by hand here, as
`aws cloudwatch set-alarm-state` does to test a real alarm's notifications.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sandbox.deploy.config import sandbox_config
from sandbox.deploy.deploy import DeployedStack, deploy_stack
from sandbox.deploy.ministack import start_ministack
from sandbox.stripe_double import StripeDouble
from tests.sandbox.conftest import WEB_BASE_URL

pytestmark = pytest.mark.slow
EMAILS = ["ops@seller.example", "owner@seller.example"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeployedStack]:
    workdir = tmp_path_factory.mktemp("monitoring")
    with StripeDouble(port=0) as double:
        config = sandbox_config(
            WEB_BASE_URL, stripe_api_base=double.url, stripe_secret_key=double.api_key,
            overrides={"alarmEmails": EMAILS, "alarms": {"functionErrors": 2}},
        )  # fmt: skip
        with start_ministack(workdir, region=config["aws:region"]) as ministack:
            yield deploy_stack(ministack.endpoint_url, config, workdir)


def _alarms(stack: DeployedStack) -> dict[str, dict]:
    pages = stack.client("cloudwatch").get_paginator("describe_alarms").paginate()
    return {a["AlarmName"]: a for page in pages for a in page["MetricAlarms"]}


def test_every_alarm_of_the_program_is_in_ministack_notifying_the_topic(stack: DeployedStack):
    alarms = _alarms(stack)
    # 5 functions x (errors, throttles), 4 tables x (throttles, system errors), the webhook's
    # 5xx, the API's 5xx rate, the sweep's corrections and missed runs.
    assert len(stack.alarm_names) == 22
    assert set(alarms) == set(stack.alarm_names)
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [stack.alarm_topic_arn], name
        assert alarm["OKActions"] == [stack.alarm_topic_arn], name
        assert alarm["ActionsEnabled"] is True, name
    errors = alarms["api-sales-sandbox-webhook-errors"]
    assert (errors["Namespace"], errors["MetricName"], errors["Statistic"]) == (
        "AWS/Lambda", "Errors", "Sum")  # fmt: skip
    assert errors["Dimensions"] == [
        {"Name": "FunctionName", "Value": stack.function_names["webhook"]}
    ]
    assert (errors["Threshold"], errors["ComparisonOperator"]) == (2, "GreaterThanThreshold")
    assert errors["TreatMissingData"] == "notBreaching"


def test_the_topic_is_encrypted_with_the_stacks_rotating_key(stack: DeployedStack):
    attributes = stack.client("sns").get_topic_attributes(TopicArn=stack.alarm_topic_arn)[
        "Attributes"
    ]
    key_arn = attributes["KmsMasterKeyId"]
    kms = stack.client("kms")
    assert kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    principals = [s["Principal"] for s in policy["Statement"]]
    assert {"Service": "cloudwatch.amazonaws.com"} in principals


def test_each_configured_address_is_subscribed(stack: DeployedStack):
    subscriptions = stack.client("sns").list_subscriptions_by_topic(TopicArn=stack.alarm_topic_arn)[
        "Subscriptions"
    ]
    assert sorted((s["Protocol"], s["Endpoint"]) for s in subscriptions) == [
        ("email", address) for address in EMAILS
    ]


def test_the_dashboard_is_stored_with_every_function(stack: DeployedStack):
    body = json.loads(
        stack.client("cloudwatch").get_dashboard(DashboardName=stack.dashboard_name)[
            "DashboardBody"
        ]
    )
    text = json.dumps(body)
    for function in stack.function_names.values():
        assert f'"{function}"' in text
    [status] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(status["properties"]["alarms"]) == len(stack.alarm_names)


def test_an_alarm_and_its_recovery_reach_the_topics_subscribers(stack: DeployedStack):
    """E-mail delivery is a stub in ministack: a queue subscribed by the test stands in."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    queue_url = sqs.create_queue(QueueName="alarm-listener")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=stack.alarm_topic_arn, Protocol="sqs", Endpoint=queue_arn)
    cloudwatch = stack.client("cloudwatch")
    name = "api-sales-sandbox-webhook-5xx"
    for state in ("ALARM", "OK"):
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
    received = []
    while len(received) < 2:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=2).get("Messages", [])  # fmt: skip
        assert messages, f"only {len(received)} notification(s) arrived"
        received += [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
    assert [(m["AlarmName"], m["NewStateValue"]) for m in received] == [
        (name, "ALARM"), (name, "OK")]  # fmt: skip
