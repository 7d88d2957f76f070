"""Stateful resources survive updates: protected by default, and never replaced by config."""

import pytest

from infra.schema_guard import UserPoolSchemaChangeError
from tests.infra.harness import run_program

STATEFUL = ("aws:cognito/userPool:UserPool", "aws:dynamodb/table:Table")


def test_pool_and_tables_are_protected_by_default(dev_run):
    stateful = [r for r in dev_run if r.type in STATEFUL]
    assert len(stateful) == 4
    assert all(r.protect for r in stateful), [r.name for r in stateful if not r.protect]
    assert dev_run.of_type(STATEFUL[0])[0].inputs["deletionProtection"] == "ACTIVE"
    assert all(t.inputs["deletionProtectionEnabled"] for t in dev_run.of_type(STATEFUL[1]))


def test_a_stack_can_turn_protection_off_explicitly():
    run = run_program({"protectStatefulResources": "false"})
    stateful = [r for r in run if r.type in STATEFUL]
    assert not any(r.protect for r in stateful)
    assert run.of_type(STATEFUL[0])[0].inputs["deletionProtection"] == "INACTIVE"


def test_removing_a_deployed_custom_attribute_is_refused_with_a_clear_message():
    previous = {"userPoolCustomAttributes": ["plan_type", "stripe_customer_id", "company"]}
    with pytest.raises(UserPoolSchemaChangeError, match="company.*cannot remove or rename"):
        run_program(previous_outputs=previous)


def test_keeping_and_adding_attributes_is_allowed():
    previous = {"userPoolCustomAttributes": ["plan_type", "stripe_customer_id", "company"]}
    run = run_program({"extraUserAttributes": ["company", "team"]}, previous_outputs=previous)
    assert run.exports["userPoolCustomAttributes"] == [
        "plan_type", "stripe_customer_id", "company", "team",
    ]  # fmt: skip


def test_first_deployment_has_nothing_to_compare():
    run = run_program(previous_outputs={})
    assert run.exports["userPoolCustomAttributes"] == ["plan_type", "stripe_customer_id"]
