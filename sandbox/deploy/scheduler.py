"""The reconciliation sweep's schedule (infra/sweep_schedule.py) in ministack: its
dead-letter queue (SQS) and the EventBridge Scheduler schedule."""

from __future__ import annotations

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none, pascal_keys

Created = tuple[str, dict]


def sqs_queue(ctx: DeployContext, name: str, inputs: dict) -> Created:
    queue_name = inputs.get("name") or ctx.physical_name(name, max_length=80)
    attributes = {
        key: str(value).lower() if isinstance(value, bool) else str(as_int(value))
        for key, value in (
            ("MessageRetentionPeriod", inputs.get("messageRetentionSeconds")),
            ("SqsManagedSseEnabled", inputs.get("sqsManagedSseEnabled")),
            ("VisibilityTimeout", inputs.get("visibilityTimeoutSeconds")),
        )
        if value is not None
    }
    client = ctx.client("sqs")
    url = client.create_queue(QueueName=queue_name, Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]  # fmt: skip
    return url, {"arn": arn, "url": url, "name": queue_name}


def schedule(ctx: DeployContext, name: str, inputs: dict) -> Created:
    schedule_name = inputs.get("name") or ctx.physical_name(name, max_length=64)
    group = inputs.get("groupName") or "default"
    arn = ctx.client("scheduler").create_schedule(**drop_none(
        Name=schedule_name,
        GroupName=group,
        Description=inputs.get("description"),
        ScheduleExpression=inputs["scheduleExpression"],
        ScheduleExpressionTimezone=inputs.get("scheduleExpressionTimezone"),
        FlexibleTimeWindow=pascal_keys(inputs["flexibleTimeWindow"]),
        State=inputs.get("state"),
        Target=pascal_keys(inputs["target"]),
    ))["ScheduleArn"]  # fmt: skip
    return f"{group}/{schedule_name}", {"arn": arn, "name": schedule_name, "groupName": group}
