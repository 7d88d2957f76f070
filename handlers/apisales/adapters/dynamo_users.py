"""The users table (key ``user_id``; GSI ``by_stripe_customer_id``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from apisales.adapters import dynamo_items as ddb
from apisales.adapters.aws import conditional_write, dynamodb
from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.errors import AccountClosed, CustomerConflict
from apisales.domain.quota_mail import THRESHOLDS
from apisales.domain.users import UserRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef, UpdateItemInputTypeDef

CUSTOMER_INDEX = "by_stripe_customer_id"
# Every write that could give a deleted account a key, a customer or a plan holds this.
OPEN = "attribute_not_exists(deleting_at)"


def quota_mail_mark(threshold: int) -> str:
    """The attribute holding the period the quota mail for ``threshold`` was last sent for."""
    return f"quota_mail_{threshold}"


# What a tombstone forgets: every attribute of a live record but its key (the deletion times
# are set by the same write).
FACTS = (
    "stripe_customer_id", "subscription_id", "subscription_status", "cancel_at_period_end",
    "current_period_end", "#plan", "api_key_id", "key_plan", "key_claim_token",
    "key_claim_until", "updated_at", "#lang", "first_seen_at",
    *(quota_mail_mark(t) for t in THRESHOLDS),
)


def user_record(attributes: Mapping[str, AttributeValueTypeDef]) -> UserRecord:
    item = ddb.plain(attributes)

    def s(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    def n(name: str) -> int | None:
        value = item.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    period_end = item.get("current_period_end")
    first_seen = item.get("first_seen_at")
    return UserRecord(
        user_id=str(item["user_id"]),
        stripe_customer_id=s("stripe_customer_id"),
        subscription_id=s("subscription_id"),
        subscription_status=s("subscription_status"),
        cancel_at_period_end=item.get("cancel_at_period_end") is True,
        current_period_end=period_end if isinstance(period_end, int) else None,
        plan=s("plan"),
        api_key_id=s("api_key_id"),
        key_plan=s("key_plan"),
        language=s("language"),
        first_seen_at=first_seen if isinstance(first_seen, int) else None,
        deleting_at=n("deleting_at"),
        deleted_at=n("deleted_at"),
    )


class DynamoUserStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def get(self, user_id: str) -> UserRecord | None:
        item = dynamodb().get_item(
            TableName=self.table, Key=ddb.item(user_id=user_id), ConsistentRead=True
        ).get("Item")
        return user_record(item) if item else None

    def record_visit(self, user_id: str, language: str) -> bool:
        """Store the user's language and first visit; True only for the very first visit
        (of concurrent first visits exactly one sees no earlier ``first_seen_at``)."""
        old: dict[str, object] = {}

        def write() -> None:
            old.update(dynamodb().update_item(
                TableName=self.table,
                Key=ddb.item(user_id=user_id),
                UpdateExpression="SET first_seen_at = if_not_exists(first_seen_at, :now), "
                "#lang = :lang",
                # A visit racing the account's deletion must not write facts to its tombstone.
                ConditionExpression=OPEN,
                ExpressionAttributeNames={"#lang": "language"},
                ExpressionAttributeValues=ddb.values(now=int(time.time()), lang=language),
                ReturnValues="UPDATED_OLD",
            ).get("Attributes", {}))

        return conditional_write(write) and "first_seen_at" not in old

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        # Two are enough to tell "one" from "more than one" (which the ownership rule refuses).
        items = dynamodb().query(
            TableName=self.table,
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="stripe_customer_id = :c",
            ExpressionAttributeValues=ddb.values(c=customer_id),
            Limit=2,
        ).get("Items", [])
        return tuple(str(ddb.plain(item)["user_id"]) for item in items)

    def bind_customer(self, user_id: str, customer_id: str) -> str:
        """Store the user's Stripe customer unless one is stored already; returns the stored one."""
        if conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET stripe_customer_id = :c, updated_at = :t",
            ConditionExpression=f"attribute_not_exists(stripe_customer_id) AND {OPEN}",
            ExpressionAttributeValues=ddb.values(c=customer_id, t=int(time.time())),
        )):
            return customer_id
        record = self.get(user_id)
        if record is None or record.closed:
            raise AccountClosed(user_id)
        assert record.stripe_customer_id
        return record.stripe_customer_id

    def record_subscription(
        self, user_id: str, customer_id: str | None, sub: SubscriptionSnapshot | None, plan: str
    ) -> None:
        sets = ["#plan = :plan", "updated_at = :t"]
        removes: list[str] = []
        values: dict[str, ddb.Value] = {"plan": plan, "t": int(time.time())}
        if customer_id:
            sets.append("stripe_customer_id = :c")
            values["c"] = customer_id
        if sub is None:
            removes += ["subscription_id", "subscription_status", "current_period_end"]
            sets.append("cancel_at_period_end = :cape")
            values["cape"] = False
        else:
            sets += ["subscription_id = :sid", "subscription_status = :st",
                     "cancel_at_period_end = :cape"]
            values.update(sid=sub.id, st=sub.status, cape=sub.cancel_at_period_end)
            if sub.current_period_end is not None:
                sets.append("current_period_end = :cpe")
                values["cpe"] = sub.current_period_end
            else:
                removes.append("current_period_end")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        request: UpdateItemInputTypeDef = {
            "TableName": self.table,
            "Key": ddb.item(user_id=user_id),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": {"#plan": "plan"},
            "ExpressionAttributeValues": ddb.values(**values),
            "ConditionExpression": OPEN,
        }
        if customer_id:
            # The ownership rule, again at the write: never rebind a user to another customer.
            request["ConditionExpression"] = (
                f"{OPEN} AND (attribute_not_exists(stripe_customer_id) OR stripe_customer_id = :c)")
        if not conditional_write(lambda: dynamodb().update_item(**request)):
            latest = self.get(user_id)
            if latest is not None and latest.closed:
                raise AccountClosed(user_id)
            raise CustomerConflict(user_id, str(customer_id))

    def claim_key_issue(self, user_id: str, token: str, now: int, ttl: int) -> bool:
        return conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET key_claim_token = :tok, key_claim_until = :until",
            ConditionExpression=f"attribute_not_exists(api_key_id) AND {OPEN} AND "
            "(attribute_not_exists(key_claim_until) OR key_claim_until < :now)",
            ExpressionAttributeValues=ddb.values(tok=token, until=now + ttl, now=now),
        ))

    def release_key_claim(self, user_id: str, token: str) -> None:
        conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="REMOVE key_claim_token, key_claim_until",
            ConditionExpression="key_claim_token = :tok",
            ExpressionAttributeValues=ddb.values(tok=token),
        ))

    def set_api_key(
        self, user_id: str, key_id: str, *, claim_token: str | None = None,
        replaces: str | None = None,
    ) -> bool:
        if claim_token is not None:
            condition = f"attribute_not_exists(api_key_id) AND key_claim_token = :tok AND {OPEN}"
            values = ddb.values(k=key_id, tok=claim_token)
        else:
            condition = f"api_key_id = :old AND {OPEN}"
            values = ddb.values(k=key_id, old=str(replaces))
        return conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET api_key_id = :k REMOVE key_claim_token, key_claim_until",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        ))

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None:
        # Only if the key is still the user's key (a rotation may have replaced it meanwhile).
        conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET key_plan = :p",
            ConditionExpression="api_key_id = :k",
            ExpressionAttributeValues=ddb.values(p=plan, k=key_id),
        ))

    # -- account deletion (domain/account_deletion.py) -----------------------------------------

    def mark_deleting(self, user_id: str, now: int) -> UserRecord:
        item = dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET deleting_at = if_not_exists(deleting_at, :now)",
            ExpressionAttributeValues=ddb.values(now=now),
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return user_record(item)

    def write_tombstone(self, user_id: str, now: int) -> None:
        """Only the id and the times stay: no customer (so the GSI forgets it), no key id."""
        dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(user_id=user_id),
            UpdateExpression="SET deleted_at = if_not_exists(deleted_at, :now), "
            "deleting_at = if_not_exists(deleting_at, :now) REMOVE " + ", ".join(FACTS),
            ExpressionAttributeNames={"#plan": "plan", "#lang": "language"},
            ExpressionAttributeValues=ddb.values(now=now),
        )
