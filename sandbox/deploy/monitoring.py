"""The alarm topic's KMS key, the SNS topic and its subscriptions, CloudWatch alarms and the
dashboard (infra/monitoring.py) in ministack."""

from __future__ import annotations

from typing import Any

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none

Created = tuple[str, dict]


def _tags(tags: dict | None, key: str = "Key", value: str = "Value") -> list[dict] | None:
    return [{key: k, value: v} for k, v in (tags or {}).items()] or None


def kms_key(ctx: DeployContext, name: str, inputs: dict) -> Created:
    client = ctx.client("kms")
    metadata = client.create_key(**drop_none(
        Description=inputs.get("description"),
        Policy=inputs.get("policy"),
        Tags=_tags(inputs.get("tags"), "TagKey", "TagValue"),
    ))["KeyMetadata"]  # fmt: skip
    if inputs.get("enableKeyRotation"):
        client.enable_key_rotation(KeyId=metadata["KeyId"])
    return metadata["KeyId"], {"arn": metadata["Arn"], "keyId": metadata["KeyId"]}


def sns_topic(ctx: DeployContext, name: str, inputs: dict) -> Created:
    topic_name = inputs.get("name") or ctx.physical_name(name, max_length=256)
    attributes = drop_none(
        DisplayName=inputs.get("displayName"), KmsMasterKeyId=inputs.get("kmsMasterKeyId")
    )
    arn = ctx.client("sns").create_topic(**drop_none(
        Name=topic_name, Attributes=attributes, Tags=_tags(inputs.get("tags")),
    ))["TopicArn"]  # fmt: skip
    return arn, {"arn": arn, "name": topic_name}


def sns_subscription(ctx: DeployContext, name: str, inputs: dict) -> Created:
    arn = ctx.client("sns").subscribe(
        TopicArn=inputs["topic"],
        Protocol=inputs["protocol"],
        Endpoint=inputs["endpoint"],
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"arn": arn}


def metric_alarm(ctx: DeployContext, name: str, inputs: dict) -> Created:
    alarm_name = inputs.get("name") or ctx.physical_name(name, max_length=255)
    ctx.client("cloudwatch").put_metric_alarm(**drop_none(
        AlarmName=alarm_name,
        AlarmDescription=inputs.get("alarmDescription"),
        ActionsEnabled=inputs.get("actionsEnabled"),
        AlarmActions=inputs.get("alarmActions"),
        OKActions=inputs.get("okActions"),
        InsufficientDataActions=inputs.get("insufficientDataActions"),
        Namespace=inputs.get("namespace"),
        MetricName=inputs.get("metricName"),
        Dimensions=_dimensions(inputs.get("dimensions")),
        Statistic=inputs.get("statistic"),
        Period=as_int(inputs.get("period")),
        Metrics=[_metric_query(q) for q in inputs.get("metricQueries") or []],
        EvaluationPeriods=as_int(inputs["evaluationPeriods"]),
        DatapointsToAlarm=as_int(inputs.get("datapointsToAlarm")),
        Threshold=inputs.get("threshold"),
        ComparisonOperator=inputs["comparisonOperator"],
        TreatMissingData=inputs.get("treatMissingData"),
        Tags=_tags(inputs.get("tags")),
    ))  # fmt: skip
    return alarm_name, {"arn": ctx.arn("cloudwatch", f"alarm:{alarm_name}"), "name": alarm_name}


def dashboard(ctx: DeployContext, name: str, inputs: dict) -> Created:
    dashboard_name = inputs.get("dashboardName") or ctx.physical_name(name, max_length=255)
    ctx.client("cloudwatch").put_dashboard(
        DashboardName=dashboard_name, DashboardBody=inputs["dashboardBody"]
    )
    return dashboard_name, {
        "dashboardName": dashboard_name,
        "dashboardArn": f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{dashboard_name}",
    }


def _dimensions(dimensions: dict | None) -> list[dict] | None:
    return [{"Name": k, "Value": v} for k, v in (dimensions or {}).items()] or None


def _metric_query(query: dict) -> dict[str, Any]:
    metric = query.get("metric")
    stat = None
    if metric:
        stat = {
            "Metric": drop_none(
                Namespace=metric.get("namespace"),
                MetricName=metric["metricName"],
                Dimensions=_dimensions(metric.get("dimensions")),
            ),
            "Period": as_int(metric["period"]),
            "Stat": metric["stat"],
        }
    return drop_none(
        Id=query["id"],
        Expression=query.get("expression"),
        Label=query.get("label"),
        ReturnData=query.get("returnData"),
        MetricStat=stat,
    )
