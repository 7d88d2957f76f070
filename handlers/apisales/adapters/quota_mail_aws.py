"""The quota mail's AWS side: the users to tell and the marks that keep a mail from being
sent twice (DynamoDB), the address (Cognito) and the mail itself (SES). The period's usage
comes from :class:`~apisales.adapters.apigw_usage.ApiGatewayUsage`."""

from __future__ import annotations

from collections.abc import Iterator

from apisales.adapters import dynamo_items as ddb
from apisales.adapters.aws import cognito, conditional_write, dynamodb, ses
from apisales.adapters.dynamo_users import quota_mail_mark
from apisales.domain.quota_mail import KeyedUser


class DynamoQuotaMailMarks:
    """One attribute per threshold on the user's item: the period it was last mailed for."""

    def __init__(self, table: str) -> None:
        self.table = table

    def keyed_users(self, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
        """Every user with an API key (a paginated scan: the sweep of a whole table)."""
        names = {"#lang": "language", **{f"#m{t}": quota_mail_mark(t) for t in thresholds}}
        projection = ", ".join(["user_id", "api_key_id", "key_plan", "#lang",
                                *(f"#m{t}" for t in thresholds)])  # fmt: skip
        for page in dynamodb().get_paginator("scan").paginate(
            TableName=self.table, ProjectionExpression=projection,
            ExpressionAttributeNames=names, FilterExpression="attribute_exists(api_key_id)",
        ):  # fmt: skip
            for found in page.get("Items", []):
                item = ddb.plain(found)

                def s(name: str, item: dict[str, ddb.Value] = item) -> str | None:
                    value = item.get(name)
                    return value if isinstance(value, str) else None

                yield KeyedUser(
                    user_id=str(item["user_id"]), api_key_id=str(item["api_key_id"]),
                    plan=s("key_plan"), language=s("language"),
                    marks={t: mark for t in thresholds
                           if (mark := s(quota_mail_mark(t))) is not None},
                )  # fmt: skip

    def claim_mail(self, user_id: str, threshold: int, period: str) -> bool:
        """Record (user, threshold, period) as mailed unless it is already; True if we did."""
        return conditional_write(lambda: dynamodb().update_item(
            TableName=self.table, Key=ddb.item(user_id=user_id),
            UpdateExpression="SET #m = :p",
            ConditionExpression="attribute_exists(user_id) AND "
            "(attribute_not_exists(#m) OR #m <> :p)",
            ExpressionAttributeNames={"#m": quota_mail_mark(threshold)},
            ExpressionAttributeValues=ddb.values(p=period),
        ))  # fmt: skip

    def release_mail(self, user_id: str, threshold: int, period: str) -> None:
        """Undo our claim (only while it is still ours): the next run tries the mail again."""
        conditional_write(lambda: dynamodb().update_item(
            TableName=self.table, Key=ddb.item(user_id=user_id),
            UpdateExpression="REMOVE #m", ConditionExpression="#m = :p",
            ExpressionAttributeNames={"#m": quota_mail_mark(threshold)},
            ExpressionAttributeValues=ddb.values(p=period),
        ))  # fmt: skip


class CognitoAddresses:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    def email_of(self, user_id: str) -> str | None:
        user = cognito().admin_get_user(UserPoolId=self.user_pool_id, Username=user_id)
        attributes = {a["Name"]: a.get("Value") for a in user.get("UserAttributes", [])}
        return attributes.get("email")


class SesMailer:
    def send(self, sender: str, to: str, subject: str, body: str) -> None:
        ses().send_email(
            Source=sender, Destination={"ToAddresses": [to]},
            Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                     "Body": {"Text": {"Data": body, "Charset": "UTF-8"}}},
        )  # fmt: skip
