"""Cognito attributes' contract (``IdentityAttributes``): the console's copy of the plan."""

from __future__ import annotations

from tests.handlers.contract.conftest import IdentityUnderTest


def test_the_plan_and_customer_are_set_and_a_missing_customer_keeps_the_old_one(
    identity: IdentityUnderTest,
) -> None:
    identity.create_user("ann")
    identity.identity.set_plan("ann", "PRO", "cus_a")
    attributes = identity.attributes("ann")
    assert attributes["custom:plan_type"] == "PRO"
    assert attributes["custom:stripe_customer_id"] == "cus_a"
    identity.identity.set_plan("ann", "FREE", None)
    attributes = identity.attributes("ann")
    assert attributes["custom:plan_type"] == "FREE"
    assert attributes["custom:stripe_customer_id"] == "cus_a"


def test_a_user_no_longer_in_the_pool_is_skipped_without_an_error(
    identity: IdentityUnderTest,
) -> None:
    identity.no_such_user("gone")
    identity.identity.set_plan("gone", "PRO", "cus_g")  # nothing to retry: no exception
