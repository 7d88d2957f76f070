"""Alarms and a dashboard, as code: an encrypted SNS topic with the seller's e-mail
subscriptions, one CloudWatch alarm per :class:`infra.alarms.AlarmSpec` notifying it on
ALARM and on OK, and a dashboard of the business metrics and the alarmed ones.

The component takes names (functions, tables, API and stage) as inputs, so it depends on no
other component. docs/operations.md lists the alarms and what to do about each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.alarm_config import AlarmsConfig, check_evaluation_range
from infra.alarms import AlarmSpec, health_alarms, sweep_alarms
from infra.config_errors import ConfigError, RuleBroken
from infra.dashboard import dashboard_body


@dataclass(frozen=True)
class MonitoringArgs:
    name_prefix: str  # "<project>-<stack>": alarm, topic and dashboard names start with it
    alarms: AlarmsConfig
    alarm_emails: tuple[str, ...]
    account_id: pulumi.Input[str]
    region: pulumi.Input[str]
    metrics_service: pulumi.Input[str]  # the business metrics' `service` dimension
    function_names: Mapping[str, pulumi.Input[str]]  # concern -> Lambda function name
    webhook_concern: str  # which of them receives Stripe's webhooks
    table_names: Mapping[str, pulumi.Input[str]]  # table key -> DynamoDB table name
    api_name: pulumi.Input[str]  # the REST API's name (CloudWatch's ApiName dimension)
    stage_name: pulumi.Input[str]
    webhook_method: str
    webhook_resource: str  # the webhook's resource path, e.g. /stripe/webhook
    # The reconciliation sweep's schedule; None while the stack has no sweep, and then the
    # two sweep alarms (corrections, not run) are not created: "not run" would always fire.
    sweep_interval_minutes: int | None = None


class Monitoring(pulumi.ComponentResource):
    key: aws.kms.Key
    topic: aws.sns.Topic
    subscriptions: dict[str, aws.sns.TopicSubscription]  # address -> subscription
    alarms: dict[str, aws.cloudwatch.MetricAlarm]  # spec key -> alarm
    dashboard: aws.cloudwatch.Dashboard
    specs: list[AlarmSpec]

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("api-sales:monitoring:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.specs = health_alarms(
            args.alarms, args.function_names, args.webhook_concern, args.table_names,
            args.api_name, args.stage_name, args.webhook_method, args.webhook_resource,
        )  # fmt: skip
        if args.sweep_interval_minutes is not None:
            try:
                check_evaluation_range(args.sweep_interval_minutes, args.alarms.sweep_missed_runs)
            except RuleBroken as broken:
                raise ConfigError("alarms.sweepMissedRuns", broken.problem) from None
            self.specs += sweep_alarms(
                args.alarms, args.metrics_service, args.sweep_interval_minutes
            )

        self.key = aws.kms.Key(
            f"{name}-topic-key",
            description=f"{args.name_prefix}: encrypts the alarm topic",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=pulumi.Output.from_input(args.account_id).apply(_key_policy),
            opts=child,
        )
        self.topic = aws.sns.Topic(
            f"{name}-alarms",
            name=f"{args.name_prefix}-alarms",
            display_name=f"{args.name_prefix} alarms",
            kms_master_key_id=self.key.arn,
            opts=child,
        )
        self.subscriptions = {
            address: aws.sns.TopicSubscription(
                # Named by the address, not its position: reordering the list must not
                # replace subscriptions (each replacement mails a new confirmation).
                f"{name}-email-{address.lower()}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=address,
                opts=pulumi.ResourceOptions(parent=self.topic),
            )
            for address in args.alarm_emails
        }
        self.alarms = {spec.key: self._alarm(name, args, spec) for spec in self.specs}
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.name_prefix,
            dashboard_body=dashboard_body(
                args.region,
                args.metrics_service,
                self.specs,
                [alarm.arn for alarm in self.alarms.values()],
                args.alarms.period_minutes * 60,
            ),
            opts=child,
        )
        self.register_outputs(
            {"topic_arn": self.topic.arn, "dashboard_name": self.dashboard.dashboard_name}
        )

    def _alarm(
        self, name: str, args: MonitoringArgs, spec: AlarmSpec
    ) -> aws.cloudwatch.MetricAlarm:
        actions = [self.topic.arn]
        metric = spec.metric  # a single-metric alarm, else metric math over spec.metrics
        queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] | None = None
        if metric is None:
            queries = [{"id": "alarmed", "expression": spec.expression, "label": spec.title,
                        "return_data": True}]  # fmt: skip
            queries += [
                {"id": metric_id, "return_data": False, "metric": {
                    "namespace": m.namespace, "metric_name": m.name,
                    "dimensions": dict(m.dimensions), "stat": m.stat, "period": spec.period_s,
                }}
                for metric_id, m in spec.metrics.items()
            ]  # fmt: skip
        # Inputs left None are not sent: each alarm has either the metric or the queries.
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            name=f"{args.name_prefix}-{spec.key}",
            alarm_description=spec.description,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            treat_missing_data=spec.treat_missing_data,
            actions_enabled=True,
            alarm_actions=actions,
            ok_actions=actions,  # the seller also learns when it is over
            namespace=metric.namespace if metric else None,
            metric_name=metric.name if metric else None,
            dimensions=dict(metric.dimensions) if metric else None,
            statistic=metric.stat if metric else None,
            period=spec.period_s if metric else None,
            metric_queries=queries,
            opts=pulumi.ResourceOptions(parent=self),
        )


def _key_policy(account_id: str) -> str:
    """The account administers the key; CloudWatch alarms may encrypt to the topic.

    CloudWatch cannot publish to a topic encrypted with the AWS managed key alias/aws/sns,
    whose policy AWS owns and does not extend to CloudWatch (AWS Knowledge Center,
    "cloudwatch-configure-alarm-sns"): the alarm would fire and no mail would leave. Hence a
    customer managed key with the statement AWS documents for alarms (SNS developer guide,
    "Key management", compatibility with AWS services).
    """
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                },
            ],
        },
        indent=1,
    )
