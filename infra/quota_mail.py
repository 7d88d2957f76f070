"""The quota mail function and its schedule (docs/operations.md, "Quota mail").

One Lambda function (``apisales.routes.quota_mail``) run by an EventBridge Scheduler
schedule. Its role may: scan the users table and update it (the "mailed" marks), read the
usage of this stack's usage plans, read a user's e-mail address from the pool, and send as
the configured SES identity; nothing else. The schedule's own role may invoke this function
only, and only AWS Scheduler acting for this account may assume it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.aws_context import AwsContext
from infra.metric_vocabulary import vocabulary
from infra.naming import physical_name
from infra.packaging import LambdaArchive
from infra.quota_mail_config import QuotaMailConfig

CONCERN = "quota-mail"
HANDLER = "apisales.routes.quota_mail.lambda_handler"
TIMEOUT_S = 300  # a scan of every user with a key, and one mail per crossing
RUNTIME = "python3.12"
ARCHITECTURE = "arm64"


@dataclass
class QuotaMailArgs:
    config: QuotaMailConfig
    archive: LambdaArchive
    context: AwsContext
    users_table_name: pulumi.Input[str]
    users_table_arn: pulumi.Input[str]
    user_pool_id: pulumi.Input[str]
    user_pool_arn: pulumi.Input[str]
    usage_plan_ids: dict[str, pulumi.Output[str]]
    plan_catalog: pulumi.Input[str]  # the PLAN_CATALOG the other functions get
    web_base_url: pulumi.Input[str]  # the mail's upgrade link is <webBaseUrl>/upgrade
    function_name: str
    log_retention_days: int


class QuotaMail(pulumi.ComponentResource):
    function: aws.lambda_.Function
    schedule: aws.scheduler.Schedule

    def __init__(self, name: str, args: QuotaMailArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:  # fmt: skip
        super().__init__("api-sales:operations:QuotaMail", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            name, name=f"/aws/lambda/{args.function_name}",
            retention_in_days=args.log_retention_days, opts=child,
        )  # fmt: skip
        role = aws.iam.Role(
            name, assume_role_policy=iam.LAMBDA_ASSUME_ROLE_POLICY,
            description="api-sales quota mail function", opts=child,
        )  # fmt: skip
        policy = aws.iam.RolePolicy(
            name, role=role.id,
            policy=iam.policy_document(self._statements(args, log_group)),
            opts=pulumi.ResourceOptions(parent=role),
        )  # fmt: skip
        metrics = vocabulary()
        self.function = aws.lambda_.Function(
            name,
            name=args.function_name,
            description="Quota mail: tells customers at 80 % and 100 % of their quota",
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            code=pulumi.FileArchive(str(args.archive.path)),
            role=role.arn,
            memory_size=256,
            timeout=TIMEOUT_S,
            environment={"variables": {
                "POWERTOOLS_SERVICE_NAME": f"api-sales-{CONCERN}",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "POWERTOOLS_METRICS_NAMESPACE": metrics.NAMESPACE,
                metrics.SERVICE_ENV: physical_name(),
                "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
                "USERS_TABLE": args.users_table_name,
                "USER_POOL_ID": args.user_pool_id,
                "PLAN_CATALOG": args.plan_catalog,
                "WEB_BASE_URL": args.web_base_url,
                "QUOTA_MAIL_SENDER": args.config.sender,
            }},
            logging_config={"log_format": "JSON", "log_group": log_group.name},
            tracing_config={"mode": "Active"},
            # The policy must exist before the first scheduled run, or it fails.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, log_group]),
        )  # fmt: skip
        scheduler_role = aws.iam.Role(
            f"{name}-schedule",
            assume_role_policy=args.context.account_id.apply(_scheduler_trust),
            description="EventBridge Scheduler: run the api-sales quota mail",
            opts=child,
        )  # fmt: skip
        invoke = aws.iam.RolePolicy(
            f"{name}-schedule", role=scheduler_role.id,
            policy=iam.policy_document(self.function.arn.apply(lambda arn: [
                iam.allow("InvokeQuotaMail", ["lambda:InvokeFunction"], [arn])])),
            opts=pulumi.ResourceOptions(parent=scheduler_role),
        )  # fmt: skip
        self.schedule = aws.scheduler.Schedule(
            name,
            name=args.function_name,
            description="api-sales quota mail",
            schedule_expression=args.config.schedule,
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": self.function.arn,
                "role_arn": scheduler_role.arn,
                # A failed run is not retried by the schedule: the next run does it again.
                "retry_policy": {"maximum_retry_attempts": 0},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[invoke]),
        )  # fmt: skip
        self.register_outputs({"functionArn": self.function.arn,
                               "scheduleArn": self.schedule.arn})  # fmt: skip

    @staticmethod
    def _statements(
        args: QuotaMailArgs, log_group: aws.cloudwatch.LogGroup
    ) -> pulumi.Output[list[iam.Statement]]:
        usage = [
            pulumi.Output.concat(args.context.apigateway_arn("/usageplans/"), plan_id, "/usage")
            for plan_id in args.usage_plan_ids.values()
        ]
        return pulumi.Output.all(
            log_group.arn, args.users_table_arn, args.user_pool_arn, *usage,
        ).apply(lambda r: [
            iam.allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{r[0]}:*"]),
            iam.XRAY_WRITE,
            # Scan: every user with a key. UpdateItem: the marks that prevent a second mail.
            iam.allow("Users", ["dynamodb:Scan", "dynamodb:UpdateItem"], [r[1]]),
            iam.allow("Addresses", ["cognito-idp:AdminGetUser"], [r[2]]),
            iam.allow("Usage", ["apigateway:GET"], list(r[3:])),
            iam.allow("Send", ["ses:SendEmail"], [args.config.source_arn]),
        ])  # fmt: skip


def _scheduler_trust(account_id: str) -> str:
    """Only EventBridge Scheduler, acting for this account, may assume the role (confused
    deputy: Scheduler user guide, "Set up the execution role")."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]})  # fmt: skip
