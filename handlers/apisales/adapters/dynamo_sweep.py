"""The sweep's DynamoDB side: its ledger item (lease + cursor) and the users-table walk."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import TYPE_CHECKING

from apisales.adapters import dynamo_items as ddb
from apisales.adapters.aws import conditional_write, dynamodb
from apisales.adapters.dynamo_users import user_record
from apisales.domain.sweep import Page, SweepCursor
from apisales.domain.users import UserRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import ScanInputTypeDef

LEDGER_ID = "reconciliation"  # the one item of the sweep-state table
USERS_PAGE = 200  # items read per Scan call (before the filter)
_CURSOR_FIELDS = {f.name for f in fields(SweepCursor)}


class DynamoSweepLedger:
    """Item ``{sweep_id, lease_owner, lease_until, cursor}``; every write is conditional."""

    def __init__(self, table: str) -> None:
        self.table = table

    def acquire(self, owner: str, now: int, lease_s: int) -> SweepCursor | None:
        answer: dict[str, ddb.Value] = {}

        def take() -> None:
            answer.update(ddb.plain(dynamodb().update_item(
                TableName=self.table,
                Key=ddb.item(sweep_id=LEDGER_ID),
                UpdateExpression="SET lease_owner = :o, lease_until = :u",
                ConditionExpression="attribute_not_exists(lease_until) OR lease_until < :now "
                                    "OR lease_owner = :o",
                ExpressionAttributeValues=ddb.values(o=owner, u=now + lease_s, now=now),
                ReturnValues="ALL_NEW",
            )["Attributes"]))  # fmt: skip

        if not conditional_write(take):
            return None
        stored = answer.get("cursor")
        raw = json.loads(stored) if isinstance(stored, str) else {}
        return SweepCursor(**{k: v for k, v in raw.items() if k in _CURSOR_FIELDS})

    def save(self, owner: str, cursor: SweepCursor, now: int, lease_s: int) -> bool:
        return conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(sweep_id=LEDGER_ID),
            UpdateExpression="SET #c = :c, lease_until = :u",
            ConditionExpression="lease_owner = :o",
            ExpressionAttributeNames={"#c": "cursor"},
            ExpressionAttributeValues=ddb.values(
                c=json.dumps(asdict(cursor)), u=now + lease_s, o=owner),
        ))

    def release(self, owner: str, cursor: SweepCursor) -> None:
        conditional_write(lambda: dynamodb().update_item(
            TableName=self.table,
            Key=ddb.item(sweep_id=LEDGER_ID),
            UpdateExpression="SET #c = :c REMOVE lease_owner, lease_until",
            ConditionExpression="lease_owner = :o",
            ExpressionAttributeNames={"#c": "cursor"},
            ExpressionAttributeValues=ddb.values(c=json.dumps(asdict(cursor)), o=owner),
        ))


class DynamoUserWalk:
    """Scans the users table a page at a time for keys on another plan than the record's."""

    def __init__(self, table: str, default_plan: str) -> None:
        self.table = table
        self.default_plan = default_plan  # the plan of a record that names none

    def drifted_users(self, start_after: str | None) -> Page[UserRecord]:
        request: ScanInputTypeDef = {
            "TableName": self.table,
            "Limit": USERS_PAGE,
            # A user with a key whose plan is missing or not the record's plan.
            "FilterExpression": "attribute_exists(api_key_id) AND ("
                                "attribute_not_exists(key_plan) OR "
                                "(attribute_exists(#plan) AND key_plan <> #plan) OR "
                                "(attribute_not_exists(#plan) AND key_plan <> :default))",
            "ExpressionAttributeNames": {"#plan": "plan"},
            "ExpressionAttributeValues": ddb.values(default=self.default_plan),
            "ConsistentRead": True,
        }  # fmt: skip
        if start_after:
            request["ExclusiveStartKey"] = ddb.item(user_id=start_after)
        answer = dynamodb().scan(**request)
        last = answer.get("LastEvaluatedKey")
        return Page(tuple(user_record(i) for i in answer.get("Items", [])),
                    str(ddb.plain(last)["user_id"]) if last else None)  # fmt: skip
