"""The checkout sessions and processed Stripe events tables (both expire via TTL)."""

from __future__ import annotations

import time
from typing import Any

from apisales.adapters.aws import client, conditional_write

# Stripe retries for 3 days; keep event ids well beyond that.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600
SESSION_RETENTION_SECONDS = 90 * 24 * 3600


class ProcessedEvents:
    def __init__(self, table: str) -> None:
        self.table = table

    def is_processed(self, event_id: str) -> bool:
        item = client("dynamodb").get_item(
            TableName=self.table, Key={"event_id": {"S": event_id}}, ConsistentRead=True
        ).get("Item")
        return item is not None

    def mark_processed(self, event_id: str, event_type: str) -> bool:
        """Record the event after its effects succeeded; False if it was recorded already."""
        now = int(time.time())
        return conditional_write(
            "put_item",
            TableName=self.table,
            Item={
                "event_id": {"S": event_id},
                "type": {"S": event_type},
                "processed_at": {"N": str(now)},
                "expires_at": {"N": str(now + EVENT_RETENTION_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(event_id)",
        )


class CheckoutSessions:
    def __init__(self, table: str) -> None:
        self.table = table

    def record_created(self, session_id: str, user_id: str) -> None:
        """Record the owner once; a later call never overwrites a fulfilled record."""
        now = int(time.time())
        conditional_write(
            "put_item",
            TableName=self.table,
            Item={
                "session_id": {"S": session_id},
                "user_id": {"S": user_id},
                "status": {"S": "open"},
                "created_at": {"N": str(now)},
                "expires_at": {"N": str(now + SESSION_RETENTION_SECONDS)},
            },
            ConditionExpression="attribute_not_exists(session_id)",
        )

    def get(self, session_id: str) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(
            TableName=self.table, Key={"session_id": {"S": session_id}}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        return {
            "session_id": session_id,
            "user_id": item["user_id"]["S"],
            "status": item.get("status", {}).get("S"),
            "fulfilled_at": int(item["fulfilled_at"]["N"]) if "fulfilled_at" in item else None,
        }

    def owner_of(self, session_id: str) -> str | None:
        record = self.get(session_id)
        return record["user_id"] if record else None

    def mark_fulfilled(self, session_id: str, user_id: str) -> bool:
        """Status ``complete`` with the first fulfilment time; creates the row if it was lost.
        True for the first fulfilment only (of concurrent ones, exactly one)."""
        now = int(time.time())
        old = client("dynamodb").update_item(
            TableName=self.table,
            Key={"session_id": {"S": session_id}},
            UpdateExpression="SET #s = :s, user_id = if_not_exists(user_id, :u), "
            "fulfilled_at = if_not_exists(fulfilled_at, :now), "
            "expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":s": {"S": "complete"},
                ":u": {"S": user_id},
                ":now": {"N": str(now)},
                ":exp": {"N": str(now + SESSION_RETENTION_SECONDS)},
            },
            ReturnValues="UPDATED_OLD",
        ).get("Attributes", {})
        return "fulfilled_at" not in old
