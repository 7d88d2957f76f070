"""The users table (key ``user_id``; GSI ``by_stripe_customer_id``)."""

from __future__ import annotations

import time
from typing import Any

from apisales.adapters.aws import client, conditional_write
from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.errors import AccountClosed, CustomerConflict
from apisales.domain.users import UserRecord

CUSTOMER_INDEX = "by_stripe_customer_id"
# Every write that could give a deleted account a key, a customer or a plan holds this.
OPEN = "attribute_not_exists(deleting_at)"


# What a tombstone forgets: every attribute of a live record but its key.
FACTS = (
    "stripe_customer_id", "subscription_id", "subscription_status", "cancel_at_period_end",
    "current_period_end", "#plan", "api_key_id", "key_plan", "key_claim_token",
    "key_claim_until", "updated_at",
)


def _s(value: Any) -> dict[str, str]:
    return {"S": str(value)}


def _record(item: dict[str, Any]) -> UserRecord:
    def s(name: str) -> str | None:
        return item[name]["S"] if name in item and "S" in item[name] else None

    def n(name: str) -> int | None:
        value = item.get(name, {}).get("N")
        return int(value) if value else None

    period_end = item.get("current_period_end", {}).get("N")
    return UserRecord(
        user_id=item["user_id"]["S"],
        stripe_customer_id=s("stripe_customer_id"),
        subscription_id=s("subscription_id"),
        subscription_status=s("subscription_status"),
        cancel_at_period_end=item.get("cancel_at_period_end", {}).get("BOOL", False),
        current_period_end=int(period_end) if period_end else None,
        plan=s("plan"),
        api_key_id=s("api_key_id"),
        key_plan=s("key_plan"),
        language=s("language"),
        first_seen_at=int(item["first_seen_at"]["N"]) if "first_seen_at" in item else None,
        deleting_at=n("deleting_at"),
        deleted_at=n("deleted_at"),
    )


class DynamoUserStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def get(self, user_id: str) -> UserRecord | None:
        item = client("dynamodb").get_item(
            TableName=self.table, Key={"user_id": _s(user_id)}, ConsistentRead=True
        ).get("Item")
        return _record(item) if item else None

    def record_visit(self, user_id: str, language: str) -> bool:
        """Store the user's language and first visit; True only for the very first visit
        (of concurrent first visits exactly one sees no earlier ``first_seen_at``)."""
        old = client("dynamodb").update_item(
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET first_seen_at = if_not_exists(first_seen_at, :now), "
            "#lang = :lang",
            ExpressionAttributeNames={"#lang": "language"},
            ExpressionAttributeValues={":now": {"N": str(int(time.time()))}, ":lang": _s(language)},
            ReturnValues="UPDATED_OLD",
        ).get("Attributes", {})
        return "first_seen_at" not in old

    def users_of_customer(self, customer_id: str) -> tuple[str, ...]:
        # Two are enough to tell "one" from "more than one" (which the ownership rule refuses).
        items = client("dynamodb").query(
            TableName=self.table,
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="stripe_customer_id = :c",
            ExpressionAttributeValues={":c": _s(customer_id)},
            Limit=2,
        ).get("Items", [])
        return tuple(item["user_id"]["S"] for item in items)

    def bind_customer(self, user_id: str, customer_id: str) -> str:
        """Store the user's Stripe customer unless one is stored already; returns the stored one."""
        if conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET stripe_customer_id = :c, updated_at = :t",
            ConditionExpression=f"attribute_not_exists(stripe_customer_id) AND {OPEN}",
            ExpressionAttributeValues={
                ":c": _s(customer_id),
                ":t": {"N": str(int(time.time()))},
            },
        ):
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
        values: dict[str, Any] = {":plan": _s(plan), ":t": {"N": str(int(time.time()))}}
        if customer_id:
            sets.append("stripe_customer_id = :c")
            values[":c"] = _s(customer_id)
        if sub is None:
            removes += ["subscription_id", "subscription_status", "current_period_end"]
            sets.append("cancel_at_period_end = :cape")
            values[":cape"] = {"BOOL": False}
        else:
            sets += ["subscription_id = :sid", "subscription_status = :st",
                     "cancel_at_period_end = :cape"]
            values.update({":sid": _s(sub.id), ":st": _s(sub.status),
                           ":cape": {"BOOL": sub.cancel_at_period_end}})
            if sub.current_period_end is not None:
                sets.append("current_period_end = :cpe")
                values[":cpe"] = {"N": str(sub.current_period_end)}
            else:
                removes.append("current_period_end")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        condition = OPEN
        if customer_id:
            # The ownership rule, again at the write: never rebind a user to another customer.
            condition += (
                " AND (attribute_not_exists(stripe_customer_id) OR stripe_customer_id = :c)")
        if not conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#plan": "plan"},
            ExpressionAttributeValues=values,
            ConditionExpression=condition,
        ):
            latest = self.get(user_id)
            if latest is not None and latest.closed:
                raise AccountClosed(user_id)
            raise CustomerConflict(user_id, str(customer_id))

    def claim_key_issue(self, user_id: str, token: str, now: int, ttl: int) -> bool:
        return conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET key_claim_token = :tok, key_claim_until = :until",
            ConditionExpression=f"attribute_not_exists(api_key_id) AND {OPEN} AND "
            "(attribute_not_exists(key_claim_until) OR key_claim_until < :now)",
            ExpressionAttributeValues={
                ":tok": _s(token),
                ":until": {"N": str(now + ttl)},
                ":now": {"N": str(now)},
            },
        )

    def release_key_claim(self, user_id: str, token: str) -> None:
        conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="REMOVE key_claim_token, key_claim_until",
            ConditionExpression="key_claim_token = :tok",
            ExpressionAttributeValues={":tok": _s(token)},
        )

    def set_api_key(
        self, user_id: str, key_id: str, *, claim_token: str | None = None,
        replaces: str | None = None,
    ) -> bool:
        if claim_token is not None:
            condition = f"attribute_not_exists(api_key_id) AND key_claim_token = :tok AND {OPEN}"
            values = {":k": _s(key_id), ":tok": _s(claim_token)}
        else:
            condition = f"api_key_id = :old AND {OPEN}"
            values = {":k": _s(key_id), ":old": _s(replaces)}
        return conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET api_key_id = :k REMOVE key_claim_token, key_claim_until",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )

    def set_key_plan(self, user_id: str, key_id: str, plan: str) -> None:
        # Only if the key is still the user's key (a rotation may have replaced it meanwhile).
        conditional_write(
            "update_item",
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET key_plan = :p",
            ConditionExpression="api_key_id = :k",
            ExpressionAttributeValues={":p": _s(plan), ":k": _s(key_id)},
        )

    # -- account deletion (domain/account_deletion.py) -----------------------------------------

    def mark_deleting(self, user_id: str, now: int) -> UserRecord:
        item = client("dynamodb").update_item(
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET deleting_at = if_not_exists(deleting_at, :now)",
            ExpressionAttributeValues={":now": {"N": str(now)}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _record(item)

    def write_tombstone(self, user_id: str, now: int) -> None:
        """Only the id and the times stay: no customer (so the GSI forgets it), no key id."""
        client("dynamodb").update_item(
            TableName=self.table,
            Key={"user_id": _s(user_id)},
            UpdateExpression="SET deleted_at = if_not_exists(deleted_at, :now), "
            "deleting_at = if_not_exists(deleting_at, :now) REMOVE " + ", ".join(FACTS),
            ExpressionAttributeNames={"#plan": "plan"},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
