"""DynamoDB tables: on-demand, recoverable, encrypted, expiring where records expire."""

TABLE = "aws:dynamodb/table:Table"


def _tables(run):
    return {t.name.removeprefix("data-"): t.inputs for t in run.of_type(TABLE)}


def test_every_table_is_on_demand_with_pitr_and_encryption(dev_run):
    tables = _tables(dev_run)
    assert set(tables) == {"users", "checkout-sessions", "stripe-events", "sweep-state"}
    for name, table in tables.items():
        assert table["billingMode"] == "PAY_PER_REQUEST", name
        assert table["pointInTimeRecovery"] == {"enabled": True}, name
        assert table["serverSideEncryption"] == {"enabled": True}, name


def test_keys_ttl_and_customer_index(dev_run):
    tables = _tables(dev_run)
    assert tables["users"]["hashKey"] == "user_id"
    # key_schemas, not the index's hash_key, which pulumi-aws 7.51 deprecates
    # (docs/lifecycle.md).
    assert tables["users"]["globalSecondaryIndexes"] == [
        {
            "name": "by_stripe_customer_id",
            "keySchemas": [{"attributeName": "stripe_customer_id", "keyType": "HASH"}],
            "projectionType": "ALL",
        }
    ]
    assert "ttl" not in tables["users"], "user records never expire"
    assert tables["checkout-sessions"]["hashKey"] == "session_id"
    assert tables["checkout-sessions"]["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert tables["stripe-events"]["hashKey"] == "event_id"
    assert tables["stripe-events"]["ttl"] == {"attributeName": "expires_at", "enabled": True}
