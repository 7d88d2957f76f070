"""DynamoDB tables, Secrets Manager secrets and versions, generated passwords, log groups."""

from __future__ import annotations

import secrets
import string
from typing import Any

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none, unwrap

Created = tuple[str, dict]


def _tags(tags: dict | None, key: str = "Key", value: str = "Value") -> list[dict] | None:
    return [{key: k, value: v} for k, v in (tags or {}).items()] or None


def table(ctx: DeployContext, name: str, inputs: dict) -> Created:
    table_name = inputs.get("name") or ctx.physical_name(name, max_length=255)
    created = create_table(ctx.client("dynamodb"), table_name, inputs)
    return table_name, {
        "name": table_name,
        "arn": created.get("TableArn") or ctx.arn("dynamodb", f"table/{table_name}"),
        "streamArn": created.get("LatestStreamArn", ""),
    }


def create_table(client: Any, table_name: str, inputs: dict) -> dict[str, Any]:
    """Create the table the program declared (its ``aws.dynamodb.Table`` inputs) under
    ``table_name``; the handler tests make theirs this way too. Returns its description."""
    keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    indexes = [
        {"IndexName": index["name"],
         "KeySchema": [{"AttributeName": key["attributeName"], "KeyType": key["keyType"]}
                       for key in index["keySchemas"]],
         "Projection": drop_none(ProjectionType=index.get("projectionType", "ALL"),
                                 NonKeyAttributes=index.get("nonKeyAttributes"))}
        for index in inputs.get("globalSecondaryIndexes") or []
    ]  # fmt: skip
    sse = inputs.get("serverSideEncryption") or {}
    created = client.create_table(**drop_none(
        TableName=table_name,
        AttributeDefinitions=[{"AttributeName": a["name"], "AttributeType": a["type"]}
                              for a in inputs["attributes"]],
        KeySchema=keys,
        BillingMode=inputs.get("billingMode", "PAY_PER_REQUEST"),
        GlobalSecondaryIndexes=indexes,
        SSESpecification={"Enabled": True} if sse.get("enabled") else None,
        DeletionProtectionEnabled=inputs.get("deletionProtectionEnabled"),
        Tags=_tags(inputs.get("tags")),
    ))["TableDescription"]  # fmt: skip
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": ttl["attributeName"]})  # fmt: skip
    if (inputs.get("pointInTimeRecovery") or {}).get("enabled"):
        client.update_continuous_backups(TableName=table_name, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})  # fmt: skip
    return created


def secret(ctx: DeployContext, name: str, inputs: dict) -> Created:
    secret_name = inputs.get("name") or ctx.physical_name(name, max_length=512)
    created = ctx.client("secretsmanager").create_secret(**drop_none(
        Name=secret_name,
        Description=inputs.get("description"),
        KmsKeyId=inputs.get("kmsKeyId"),
        Tags=_tags(inputs.get("tags")),
    ))  # fmt: skip
    return created["ARN"], {"arn": created["ARN"], "name": secret_name}


def random_password(ctx: DeployContext, name: str, inputs: dict) -> Created:
    """pulumi-random's RandomPassword, generated here (letters and digits: the program
    asks for special=False wherever the value must travel unquoted)."""
    alphabet = string.ascii_letters + string.digits
    if inputs.get("special", True):
        alphabet += inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
    value = "".join(secrets.choice(alphabet) for _ in range(as_int(inputs["length"]) or 16))
    return f"none-{name}", {"result": value}


def secret_version(ctx: DeployContext, name: str, inputs: dict) -> Created:
    # secretString arrives secret-wrapped (pulumi.Output.secret): unwrap for the API call only.
    created = ctx.client("secretsmanager").put_secret_value(**drop_none(
        SecretId=inputs["secretId"],
        SecretString=unwrap(inputs.get("secretString")),
        VersionStages=inputs.get("versionStages"),
    ))  # fmt: skip
    return f"{created['ARN']}|{created['VersionId']}", {
        "arn": created["ARN"], "versionId": created["VersionId"],
    }


def log_group(ctx: DeployContext, name: str, inputs: dict) -> Created:
    client = ctx.client("logs")
    group_name = inputs.get("name") or ctx.physical_name(name, max_length=512)
    client.create_log_group(**drop_none(logGroupName=group_name, tags=inputs.get("tags")))
    retention = as_int(inputs.get("retentionInDays"))
    if retention:
        client.put_retention_policy(logGroupName=group_name, retentionInDays=retention)
    return group_name, {"name": group_name, "arn": ctx.arn("logs", f"log-group:{group_name}")}
