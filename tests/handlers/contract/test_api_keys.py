"""API Gateway keys' contract (``ApiKeys``): one name, one plan at a time, gone when deleted."""

from __future__ import annotations

from tests.handlers.contract.conftest import KeysUnderTest


def test_a_key_is_found_by_its_exact_name_only(api_keys: KeysUnderTest) -> None:
    keys = api_keys.keys
    assert keys.find_by_name("contract-user-ann") is None
    ann = keys.create("contract-user-ann")
    keys.create("contract-user-ann2")  # the real lookup is a prefix match
    assert keys.find_by_name("contract-user-ann") == ann
    details = keys.describe(ann)
    assert (details.id, details.enabled) == (ann, True) and details.value
    assert keys.value(ann) == details.value


def test_a_key_sits_on_exactly_the_plan_it_was_last_put_on(api_keys: KeysUnderTest) -> None:
    keys, free, pro = api_keys.keys, api_keys.free, api_keys.pro
    key_id = keys.create("contract-user-bob")
    keys.put_on_plan(key_id, free, api_keys.all_plans)
    assert api_keys.plans_of(key_id) == {free.usage_plan_id}
    keys.put_on_plan(key_id, pro, api_keys.all_plans)
    keys.put_on_plan(key_id, pro, api_keys.all_plans)  # again: no error, no change
    assert api_keys.plans_of(key_id) == {pro.usage_plan_id}
    keys.put_on_plan(key_id, free, api_keys.all_plans)
    assert api_keys.plans_of(key_id) == {free.usage_plan_id}


def test_a_deleted_key_leaves_its_plan_and_deleting_again_is_fine(
    api_keys: KeysUnderTest,
) -> None:
    keys = api_keys.keys
    key_id = keys.create("contract-user-cat")
    keys.put_on_plan(key_id, api_keys.pro, api_keys.all_plans)
    keys.delete(key_id, api_keys.all_plans)
    assert api_keys.plans_of(key_id) == set()
    assert keys.find_by_name("contract-user-cat") is None
    keys.delete(key_id, api_keys.all_plans)
