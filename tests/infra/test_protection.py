"""Stateful resources survive updates: protected by default, and never replaced by config."""

import pytest

from infra.schema_guard import UserPoolSchemaChangeError, string_attribute_spec
from tests.infra.harness import run_program

STATEFUL = ("aws:cognito/userPool:UserPool", "aws:dynamodb/table:Table")


def test_pool_and_tables_are_protected_by_default(dev_run):
    stateful = [r for r in dev_run if r.type in STATEFUL]
    assert len(stateful) == 5  # the pool and four tables
    assert all(r.protect for r in stateful), [r.name for r in stateful if not r.protect]
    assert dev_run.of_type(STATEFUL[0])[0].inputs["deletionProtection"] == "ACTIVE"
    assert all(t.inputs["deletionProtectionEnabled"] for t in dev_run.of_type(STATEFUL[1]))


def test_a_stack_can_turn_protection_off_explicitly():
    run = run_program({"protectStatefulResources": "false"})
    stateful = [r for r in run if r.type in STATEFUL]
    assert not any(r.protect for r in stateful)
    assert run.of_type(STATEFUL[0])[0].inputs["deletionProtection"] == "INACTIVE"


POOL = STATEFUL[0]
NAMES_ONLY = {"userPoolCustomAttributes": ["plan_type", "stripe_customer_id", "company"]}


def _deployed(*names: str, **changes) -> dict:
    specs = [string_attribute_spec(name) for name in names]
    for spec in specs:
        spec.update(changes.get(spec["name"], {}))
    return {"userPoolCustomAttributes": specs}


def test_removing_a_deployed_custom_attribute_fails_before_the_pool_is_registered():
    registered: list = []
    with pytest.raises(UserPoolSchemaChangeError, match="company.*cannot remove or change"):
        run_program(previous_outputs=NAMES_ONLY, registered=registered)
    # The engine never saw the pool with the shrunken schema, so it planned no replacement.
    assert not [r for r in registered if r.type == POOL]


@pytest.mark.parametrize(
    "change",
    [
        {"mutable": False},
        {"attribute_data_type": "Number"},
        {"string_attribute_constraints": {"min_length": "0", "max_length": "64"}},
    ],
    ids=["mutability", "type", "constraints"],
)
def test_changing_a_deployed_attribute_spec_is_refused(change):
    previous = _deployed("plan_type", "stripe_customer_id", plan_type=change)
    registered: list = []
    with pytest.raises(UserPoolSchemaChangeError, match="changes plan_type"):
        run_program(previous_outputs=previous, registered=registered)
    assert not [r for r in registered if r.type == POOL]


def test_keeping_and_adding_attributes_is_allowed():
    run = run_program({"extraUserAttributes": ["company", "team"]}, previous_outputs=NAMES_ONLY)
    exported = run.exports["userPoolCustomAttributes"]
    assert [spec["name"] for spec in exported] == [
        "plan_type", "stripe_customer_id", "company", "team",
    ]  # fmt: skip
    # The whole spec is exported, so the next run can compare more than names.
    assert exported[0] == string_attribute_spec("plan_type")


def test_the_same_specs_deploy_again_unchanged():
    previous = _deployed("plan_type", "stripe_customer_id")
    run = run_program(previous_outputs=previous)
    schemas = run.of_type(POOL)[0].inputs["schemas"]
    assert [s["name"] for s in schemas] == ["plan_type", "stripe_customer_id"]
    assert schemas[0]["stringAttributeConstraints"] == {"minLength": "0", "maxLength": "256"}


def test_first_deployment_has_nothing_to_compare():
    run = run_program(previous_outputs={})
    names = [spec["name"] for spec in run.exports["userPoolCustomAttributes"]]
    assert names == ["plan_type", "stripe_customer_id"]
