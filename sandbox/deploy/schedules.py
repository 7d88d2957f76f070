"""EventBridge Scheduler schedules (the quota mail's). ministack stores them; whether it
fires them on time is not relied on: the sandbox invokes the target function itself."""

from __future__ import annotations

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import drop_none, pascal_keys

Created = tuple[str, dict]


def schedule(ctx: DeployContext, name: str, inputs: dict) -> Created:
    schedule_name = inputs.get("name") or ctx.physical_name(name, max_length=64)
    target = pascal_keys(inputs["target"])
    created = ctx.client("scheduler").create_schedule(**drop_none(
        Name=schedule_name,
        GroupName=inputs.get("groupName"),
        Description=inputs.get("description"),
        ScheduleExpression=inputs["scheduleExpression"],
        ScheduleExpressionTimezone=inputs.get("scheduleExpressionTimezone"),
        FlexibleTimeWindow=pascal_keys(inputs["flexibleTimeWindow"]),
        Target=target,
        State=inputs.get("state"),
    ))  # fmt: skip
    return schedule_name, {"name": schedule_name, "arn": created["ScheduleArn"]}
