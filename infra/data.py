"""DynamoDB: users, Checkout sessions, processed Stripe events."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import StackConfig

CUSTOMER_INDEX = "by_stripe_customer_id"


@dataclass(frozen=True)
class TableSpec:
    key: str
    ttl_attribute: str | None = None
    customer_index: bool = False


TABLES: dict[str, TableSpec] = {
    # Per user: Stripe customer, subscription id/status/period, plan, API key id (not value).
    "users": TableSpec(key="user_id", customer_index=True),
    # Per Checkout session: owner, status, fulfilment time; expires long after the session.
    "checkout-sessions": TableSpec(key="session_id", ttl_attribute="expires_at"),
    # Per Stripe event: id, type, processed time; kept 30 days, beyond Stripe's 3-day retries.
    "stripe-events": TableSpec(key="event_id", ttl_attribute="expires_at"),
    # The reconciliation sweep's one item: its lease and its cursor (docs/operations.md).
    "sweep-state": TableSpec(key="sweep_id"),
}


class Data(pulumi.ComponentResource):
    """The stack's tables: on-demand, PITR, encrypted, deletion-protected, TTL where due."""

    tables: dict[str, aws.dynamodb.Table]

    def __init__(
        self, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("api-sales:data:Data", name, None, opts)
        protect = config.protect_stateful_resources
        self.tables = {
            table_name: _table(f"{name}-{table_name}", spec, protect, self)
            for table_name, spec in TABLES.items()
        }
        self.register_outputs({k: t.name for k, t in self.tables.items()})

    @property
    def users(self) -> aws.dynamodb.Table:
        return self.tables["users"]

    @property
    def checkout_sessions(self) -> aws.dynamodb.Table:
        return self.tables["checkout-sessions"]

    @property
    def stripe_events(self) -> aws.dynamodb.Table:
        return self.tables["stripe-events"]


def _table(
    resource_name: str,
    spec: TableSpec,
    protect: bool,
    parent: pulumi.Resource,
) -> aws.dynamodb.Table:
    attributes: list[aws.dynamodb.TableAttributeArgsDict] = [{"name": spec.key, "type": "S"}]
    indexes: list[aws.dynamodb.TableGlobalSecondaryIndexArgsDict] = []
    if spec.customer_index:
        attributes.append({"name": "stripe_customer_id", "type": "S"})
        # Webhooks name a Stripe customer; this finds the user it belongs to.
        # key_schemas: pulumi-aws 7.51 deprecates the index's hash_key/range_key for it.
        indexes.append(
            {
                "name": CUSTOMER_INDEX,
                "key_schemas": [{"attribute_name": "stripe_customer_id", "key_type": "HASH"}],
                "projection_type": "ALL",
            }
        )
    ttl: aws.dynamodb.TableTtlArgsDict | None = (
        {"attribute_name": spec.ttl_attribute, "enabled": True} if spec.ttl_attribute else None
    )
    return aws.dynamodb.Table(
        resource_name,
        billing_mode="PAY_PER_REQUEST",
        hash_key=spec.key,
        attributes=attributes,
        global_secondary_indexes=indexes or None,
        ttl=ttl,
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True},
        deletion_protection_enabled=protect,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
