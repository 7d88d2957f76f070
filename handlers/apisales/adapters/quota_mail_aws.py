"""The quota mail's AWS side: usage from API Gateway, the users to tell, the marks that keep
a mail from being sent twice, the address from Cognito, and SES."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apisales.adapters.aws import client, conditional_write


@dataclass(frozen=True)
class KeyedUser:
    user_id: str
    api_key_id: str
    plan: str | None  # the plan the key was last put on
    language: str | None
    marks: dict[int, str]  # threshold -> the period it was last mailed for


def _mark(threshold: int) -> str:
    return f"quota_mail_{threshold}"


def keyed_users(table: str, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
    """Every user with an API key (a paginated scan: the sweep of a whole table)."""
    names = {"#lang": "language", **{f"#m{t}": _mark(t) for t in thresholds}}
    projection = ", ".join(["user_id", "api_key_id", "key_plan", "#lang",
                            *(f"#m{t}" for t in thresholds)])  # fmt: skip
    for page in client("dynamodb").get_paginator("scan").paginate(
        TableName=table, ProjectionExpression=projection, ExpressionAttributeNames=names,
        FilterExpression="attribute_exists(api_key_id)",
    ):  # fmt: skip
        for item in page.get("Items", []):
            def s(name: str, item: dict[str, Any] = item) -> str | None:
                return item.get(name, {}).get("S")

            yield KeyedUser(
                user_id=item["user_id"]["S"], api_key_id=item["api_key_id"]["S"],
                plan=s("key_plan"), language=s("language"),
                marks={t: item[_mark(t)]["S"] for t in thresholds if _mark(t) in item},
            )  # fmt: skip


def claim_mail(table: str, user_id: str, threshold: int, period: str) -> bool:
    """Record (user, threshold, period) as mailed unless it is already; True if we did."""
    return conditional_write(
        "update_item", TableName=table, Key={"user_id": {"S": user_id}},
        UpdateExpression="SET #m = :p",
        ConditionExpression="attribute_exists(user_id) AND "
        "(attribute_not_exists(#m) OR #m <> :p)",
        ExpressionAttributeNames={"#m": _mark(threshold)},
        ExpressionAttributeValues={":p": {"S": period}},
    )  # fmt: skip


def release_mail(table: str, user_id: str, threshold: int, period: str) -> None:
    """Undo our claim (only while it is still ours): the next run tries the mail again."""
    conditional_write(
        "update_item", TableName=table, Key={"user_id": {"S": user_id}},
        UpdateExpression="REMOVE #m", ConditionExpression="#m = :p",
        ExpressionAttributeNames={"#m": _mark(threshold)},
        ExpressionAttributeValues={":p": {"S": period}},
    )  # fmt: skip


def usage_by_key(usage_plan_id: str, start: dt.date, end: dt.date) -> dict[str, int]:
    """Calls each key of the usage plan made from ``start`` to ``end`` (GetUsage, paginated)."""
    used: dict[str, int] = {}
    for page in client("apigateway").get_paginator("get_usage").paginate(
        usagePlanId=usage_plan_id, startDate=start.isoformat(), endDate=end.isoformat(),
    ):  # fmt: skip
        for key_id, days in page.get("items", {}).items():
            used[key_id] = used.get(key_id, 0) + sum(day[0] for day in days if day)
    return used


def email_of(user_pool_id: str, user_id: str) -> str | None:
    user = client("cognito-idp").admin_get_user(UserPoolId=user_pool_id, Username=user_id)
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return attributes.get("email")


def send(sender: str, to: str, subject: str, body: str) -> None:
    client("ses").send_email(
        Source=sender, Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
    )  # fmt: skip
