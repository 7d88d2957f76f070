"""The reconciliation sweep's schedule: EventBridge Scheduler runs the sweep function at a
rate from config, through a role that may invoke that one function and nothing else.

A failed invocation (Lambda throttled or unavailable) is retried by Scheduler, then its
event goes to a dead-letter queue, so it is never dropped silently (EventBridge Scheduler
user guide, "Configuring a schedule's dead-letter queue": the execution role needs
``sqs:SendMessage`` on the queue; retries 0-185, event age 60-86400 s). A run that fails
*inside* the function is the function's error (the `sweep-errors` alarm); a sweep that
stops finishing runs is the `sweep-not-run` alarm (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import iam

SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
RETRY_ATTEMPTS = 2
DLQ_RETENTION_S = 14 * 86400  # SQS's longest: time to read why a run was not delivered
EVENT_AGE_RANGE = (60, 86400)  # Scheduler's bounds on MaximumEventAgeInSeconds
SCHEDULE_NAME_MAX = 64  # Scheduler's limit on a schedule name
QUEUE_NAME_MAX = 80  # SQS's limit on a queue name


def bounded_name(full: str, limit: int) -> str:
    """``full`` if it fits, else cut and ended with a hash of it (two stacks never collide)."""
    if len(full) <= limit:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: limit - len(digest) - 1]}-{digest}"


@dataclass(frozen=True)
class SweepScheduleArgs:
    name_prefix: str  # "<project>-<stack>": the schedule and queue names start with it
    function_arn: pulumi.Input[str]
    interval_minutes: int
    account_id: pulumi.Input[str]


def rate_expression(minutes: int) -> str:
    """``rate(...)`` as Scheduler spells it: the unit is singular for a value of 1."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"rate({hours} hour{'s' if hours != 1 else ''})"
    return f"rate({minutes} minute{'s' if minutes != 1 else ''})"


def max_event_age(minutes: int) -> int:
    """A run not delivered before the next one is due is pointless: the next one sweeps."""
    low, high = EVENT_AGE_RANGE
    return max(low, min(high, minutes * 60))


def scheduler_trust_policy(account_id: str) -> str:
    """Scheduler may assume the role only for schedules of this account (confused deputy)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": SCHEDULER_PRINCIPAL},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }],
    })  # fmt: skip


class SweepSchedule(pulumi.ComponentResource):
    queue: aws.sqs.Queue
    role: aws.iam.Role
    schedule: aws.scheduler.Schedule

    def __init__(
        self, name: str, args: SweepScheduleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("api-sales:sweep:SweepSchedule", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.queue = aws.sqs.Queue(
            f"{name}-dead-letters",
            name=bounded_name(f"{args.name_prefix}-sweep-dead-letters", QUEUE_NAME_MAX),
            message_retention_seconds=DLQ_RETENTION_S,
            sqs_managed_sse_enabled=True,
            opts=child,
        )
        self.role = aws.iam.Role(
            f"{name}-invoker",
            assume_role_policy=pulumi.Output.from_input(args.account_id).apply(
                scheduler_trust_policy),
            description="api-sales: EventBridge Scheduler runs the reconciliation sweep",
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-invoker",
            role=self.role.id,
            policy=iam.policy_document(
                pulumi.Output.all(args.function_arn, self.queue.arn).apply(lambda arns: [
                    iam.allow("InvokeSweep", ["lambda:InvokeFunction"], [arns[0]]),
                    iam.allow("DeadLetters", ["sqs:SendMessage"], [arns[1]]),
                ])
            ),
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        self.schedule = aws.scheduler.Schedule(
            f"{name}-schedule",
            name=bounded_name(f"{args.name_prefix}-sweep", SCHEDULE_NAME_MAX),
            description="api-sales reconciliation sweep (docs/operations.md)",
            schedule_expression=rate_expression(args.interval_minutes),
            flexible_time_window={"mode": "OFF"},
            state="ENABLED",
            target={
                "arn": args.function_arn,
                "role_arn": self.role.arn,
                "input": json.dumps({"source": "schedule"}),
                "retry_policy": {
                    "maximum_retry_attempts": RETRY_ATTEMPTS,
                    "maximum_event_age_in_seconds": max_event_age(args.interval_minutes),
                },
                "dead_letter_config": {"arn": self.queue.arn},
            },
            # The role may invoke before the first run is due.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.register_outputs({"schedule": self.schedule.name, "queue": self.queue.url})
