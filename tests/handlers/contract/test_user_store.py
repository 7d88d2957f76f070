"""The users table's contract (``UserStore``): what the key and fulfilment rules rely on."""

from __future__ import annotations

import pytest

from apisales.domain.entitlements import SubscriptionSnapshot
from apisales.domain.errors import CustomerConflict
from apisales.domain.ports import UserStore

NOW = 1_800_000_000
SUB = SubscriptionSnapshot("sub_1", "cus_a", "active", True, NOW + 86400, "FMMailPro", NOW)


def test_an_unknown_user_has_no_record(users: UserStore) -> None:
    assert users.get("nobody") is None
    assert users.users_of_customer("cus_nobody") == ()


def test_the_first_customer_bound_is_kept(users: UserStore) -> None:
    assert users.bind_customer("ann", "cus_a") == "cus_a"
    assert users.bind_customer("ann", "cus_b") == "cus_a"
    record = users.get("ann")
    assert record is not None and record.stripe_customer_id == "cus_a"
    assert users.users_of_customer("cus_a") == ("ann",)
    assert users.users_of_customer("cus_b") == ()


def test_a_subscription_is_recorded_and_cleared(users: UserStore) -> None:
    users.record_subscription("ann", "cus_a", SUB, "PRO")
    record = users.get("ann")
    assert record is not None
    assert (record.stripe_customer_id, record.subscription_id, record.subscription_status,
            record.cancel_at_period_end, record.current_period_end, record.plan) == \
        ("cus_a", "sub_1", "active", True, NOW + 86400, "PRO")  # fmt: skip
    users.record_subscription("ann", "cus_a", None, "FREE")
    record = users.get("ann")
    assert record is not None
    assert (record.subscription_id, record.subscription_status, record.cancel_at_period_end,
            record.current_period_end, record.plan, record.stripe_customer_id) == \
        (None, None, False, None, "FREE", "cus_a")  # fmt: skip


def test_a_record_bound_to_another_customer_is_refused_and_unchanged(users: UserStore) -> None:
    users.record_subscription("ann", "cus_a", SUB, "PRO")
    before = users.get("ann")
    with pytest.raises(CustomerConflict):
        users.record_subscription("ann", "cus_b", None, "FREE")
    assert users.get("ann") == before
    assert users.users_of_customer("cus_b") == ()


def test_two_users_bound_to_one_customer_are_both_found(users: UserStore) -> None:
    users.record_subscription("ann", "cus_a", None, "FREE")
    users.record_subscription("bob", "cus_a", None, "FREE")
    assert sorted(users.users_of_customer("cus_a")) == ["ann", "bob"]


def test_one_claim_at_a_time_until_it_expires_or_is_released(users: UserStore) -> None:
    assert users.claim_key_issue("ann", "t1", NOW, 30)
    assert not users.claim_key_issue("ann", "t2", NOW + 10, 30)
    users.release_key_claim("ann", "t2")  # not ours: nothing happens
    assert not users.claim_key_issue("ann", "t2", NOW + 10, 30)
    assert users.claim_key_issue("ann", "t2", NOW + 31, 30)  # t1 expired
    users.release_key_claim("ann", "t2")
    assert users.claim_key_issue("ann", "t3", NOW + 32, 30)


def test_the_key_is_stored_only_under_the_live_claim_then_no_claim_is_possible(
    users: UserStore,
) -> None:
    assert users.claim_key_issue("ann", "mine", NOW, 30)
    assert not users.set_api_key("ann", "k1", claim_token="someone-elses")
    assert users.set_api_key("ann", "k1", claim_token="mine")
    record = users.get("ann")
    assert record is not None and record.api_key_id == "k1"
    assert not users.set_api_key("ann", "k2", claim_token="mine")  # a key exists
    assert not users.claim_key_issue("ann", "later", NOW + 100, 30)
    assert not users.set_api_key("nobody", "k9", claim_token="mine")


def test_a_key_is_replaced_only_in_place_of_the_one_named(users: UserStore) -> None:
    users.claim_key_issue("ann", "t", NOW, 30)
    users.set_api_key("ann", "k1", claim_token="t")
    assert not users.set_api_key("ann", "k2", replaces="k0")
    assert users.set_api_key("ann", "k2", replaces="k1")
    assert not users.set_api_key("ann", "k3", replaces="k1")  # lost to the first rotation
    record = users.get("ann")
    assert record is not None and record.api_key_id == "k2"


def test_the_key_plan_is_recorded_only_for_the_current_key(users: UserStore) -> None:
    users.claim_key_issue("ann", "t", NOW, 30)
    users.set_api_key("ann", "k1", claim_token="t")
    users.set_key_plan("ann", "k1", "PRO")
    users.set_key_plan("ann", "k0", "FREE")  # a rotated-away key: ignored
    users.set_key_plan("nobody", "k1", "FREE")  # no record: nothing is created
    record = users.get("ann")
    assert record is not None and record.key_plan == "PRO"
    assert users.get("nobody") is None


def test_only_the_first_visit_counts_and_the_latest_language_is_kept(users: UserStore) -> None:
    assert users.record_visit("ann", "ja") is True
    first = users.get("ann")
    assert first is not None and first.language == "ja" and first.first_seen_at is not None
    assert users.record_visit("ann", "en") is False
    again = users.get("ann")
    assert again is not None and again.language == "en"
    assert again.first_seen_at == first.first_seen_at


def test_a_tombstone_keeps_only_the_id_and_the_deletion_times(users: UserStore) -> None:
    assert users.record_visit("ann", "ja")
    users.record_subscription("ann", "cus_a", SUB, "PRO")
    users.mark_deleting("ann", NOW)
    users.write_tombstone("ann", NOW + 5)
    record = users.get("ann")
    assert record is not None and record.deleting_at == NOW
    assert (record.language, record.first_seen_at, record.stripe_customer_id,
            record.subscription_id, record.plan) == (None, None, None, None, None)
    assert users.users_of_customer("cus_a") == ()


def test_a_visit_during_deletion_writes_nothing(users: UserStore) -> None:
    users.mark_deleting("ann", NOW)
    assert users.record_visit("ann", "ja") is False
    record = users.get("ann")
    assert record is not None and (record.language, record.first_seen_at) == (None, None)
