"""The checkout sessions and processed Stripe events tables (both expire via TTL)."""

from __future__ import annotations

import time

from apisales.adapters import dynamo_items as ddb
from apisales.adapters.aws import conditional_write, dynamodb
from apisales.domain.checkout_record import CheckoutRecord

# Stripe retries for 3 days; keep event ids well beyond that.
EVENT_RETENTION_SECONDS = 30 * 24 * 3600
SESSION_RETENTION_SECONDS = 90 * 24 * 3600


class ProcessedEvents:
    def __init__(self, table: str) -> None:
        self.table = table

    def is_processed(self, event_id: str) -> bool:
        item = dynamodb().get_item(
            TableName=self.table, Key=ddb.item(event_id=event_id), ConsistentRead=True
        ).get("Item")
        return item is not None

    def mark_processed(self, event_id: str, event_type: str) -> bool:
        """Record the event after its effects succeeded; False if it was recorded already."""
        now = int(time.time())
        return conditional_write(lambda: dynamodb().put_item(
            TableName=self.table,
            Item=ddb.item(event_id=event_id, type=event_type, processed_at=now,
                          expires_at=now + EVENT_RETENTION_SECONDS),
            ConditionExpression="attribute_not_exists(event_id)",
        ))


class CheckoutSessions:
    def __init__(self, table: str) -> None:
        self.table = table

    def record_created(self, session_id: str, user_id: str) -> None:
        """Record the owner once; a later call never overwrites a fulfilled record."""
        now = int(time.time())
        conditional_write(lambda: dynamodb().put_item(
            TableName=self.table,
            Item=ddb.item(session_id=session_id, user_id=user_id, status="open", created_at=now,
                          expires_at=now + SESSION_RETENTION_SECONDS),
            ConditionExpression="attribute_not_exists(session_id)",
        ))

    def get(self, session_id: str) -> CheckoutRecord | None:
        found = dynamodb().get_item(
            TableName=self.table, Key=ddb.item(session_id=session_id), ConsistentRead=True
        ).get("Item")
        if not found:
            return None
        item = ddb.plain(found)
        status, fulfilled_at = item.get("status"), item.get("fulfilled_at")
        return CheckoutRecord(
            session_id=session_id,
            user_id=str(item["user_id"]),
            status=status if isinstance(status, str) else None,
            fulfilled_at=fulfilled_at if isinstance(fulfilled_at, int) else None,
        )

    def owner_of(self, session_id: str) -> str | None:
        record = self.get(session_id)
        return record.user_id if record else None

    def mark_fulfilled(self, session_id: str, user_id: str) -> bool:
        """Status ``complete`` with the first fulfilment time; creates the row if it was lost.
        True for the first fulfilment only (of concurrent ones, exactly one)."""
        now = int(time.time())
        old = dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(session_id=session_id),
            UpdateExpression="SET #s = :s, user_id = if_not_exists(user_id, :u), "
            "fulfilled_at = if_not_exists(fulfilled_at, :now), "
            "expires_at = if_not_exists(expires_at, :exp)",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=ddb.values(
                s="complete", u=user_id, now=now, exp=now + SESSION_RETENTION_SECONDS),
            ReturnValues="UPDATED_OLD",
        ).get("Attributes", {})
        return "fulfilled_at" not in old
