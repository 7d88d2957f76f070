from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apisales.adapters.stripe_objects import subscription_snapshot
from apisales.domain.entitlements import (
    CatalogError,
    PlanCatalog,
    SubscriptionSnapshot,
    current_subscription,
    entitled_plan,
)

pytestmark = pytest.mark.fast  # pure rules: part of the fast tier

CATALOG = PlanCatalog.from_json(json.dumps({
    "default_plan": "FREE",
    "plans": [{"name": "FREE", "usage_plan_id": "f", "price_lookup_key": None},
              {"name": "PRO", "usage_plan_id": "p", "price_lookup_key": "FMMailPro"}],
}))
STATUSES = ["active", "trialing", "past_due", "unpaid", "canceled", "incomplete",
            "incomplete_expired", "paused"]


def snap(status: str, *, key: str | None = "FMMailPro", cancel: bool = False, created: int = 1,
         sub_id: str = "sub_1") -> SubscriptionSnapshot:
    return SubscriptionSnapshot(sub_id, "cus_1", status, cancel, 2_000_000_000, key, created)


@pytest.mark.parametrize(("status", "grace", "plan"), [
    ("active", False, "PRO"), ("trialing", False, "PRO"),
    ("past_due", False, "FREE"), ("past_due", True, "PRO"),
    ("unpaid", True, "FREE"), ("canceled", True, "FREE"), ("incomplete", False, "FREE"),
    ("incomplete_expired", False, "FREE"), ("paused", False, "FREE"),
])
def test_plan_follows_status(status: str, grace: bool, plan: str) -> None:
    assert entitled_plan(snap(status), CATALOG, grace).name == plan


def test_cancel_at_period_end_keeps_pro_until_stripe_ends_it() -> None:
    assert entitled_plan(snap("active", cancel=True), CATALOG, False).name == "PRO"
    assert entitled_plan(snap("canceled", cancel=True), CATALOG, False).name == "FREE"


def test_no_subscription_or_unknown_price_is_free() -> None:
    assert entitled_plan(None, CATALOG, True).name == "FREE"
    assert entitled_plan(snap("active", key="SomethingElse"), CATALOG, True).name == "FREE"
    assert entitled_plan(snap("active", key=None), CATALOG, True).name == "FREE"


def test_a_subscriber_on_a_replaced_price_keeps_the_plan_the_price_was_made_for() -> None:
    # After a price change the old price has no lookup key; the stack tagged it with its plan.
    old_price = {"id": "sub_1", "customer": "cus_1", "status": "active", "created": 5,
                 "items": {"data": [{"price": {"lookup_key": None,
                                               "metadata": {"plan": "PRO"}}}]}}
    assert entitled_plan(subscription_snapshot(old_price), CATALOG, False).name == "PRO"
    for tag in ("FREE", "GOLD", None):  # a free plan, an unknown one, none: nothing is guessed
        tagged = snap("active", key=None)
        assert entitled_plan(replace(tagged, price_plan=tag), CATALOG, False).name == "FREE"
    other = replace(snap("active", key="SomethingElse"), price_plan="PRO")
    assert entitled_plan(other, CATALOG, False).name == "FREE"  # a keyed price we do not sell


def test_snapshot_reads_period_end_from_item_or_subscription() -> None:
    base = {"id": "sub_1", "customer": "cus_1", "status": "active", "created": 5,
            "cancel_at_period_end": False}
    on_item = {**base, "items": {"data": [{"price": {"lookup_key": "FMMailPro"},
                                           "current_period_end": 123}]}}
    on_sub = {**base, "current_period_end": 456, "items": {"data": [{"price": {}}]}}
    assert subscription_snapshot(on_item).current_period_end == 123
    assert subscription_snapshot(on_item).price_lookup_key == "FMMailPro"
    assert subscription_snapshot(on_sub).current_period_end == 456
    assert subscription_snapshot({**base, "customer": {"id": "cus_9"}}).customer_id \
        == "cus_9"


def test_resubscribed_customer_is_judged_by_the_live_subscription() -> None:
    old = snap("canceled", created=1, sub_id="sub_old")
    new = snap("active", created=2, sub_id="sub_new")
    assert current_subscription([new, old], False) == new
    assert current_subscription([old, new], False) == new
    assert current_subscription([], False) is None


@given(st.lists(st.tuples(st.sampled_from(STATUSES), st.integers(0, 10)), min_size=1,
                max_size=5), st.booleans())
def test_choice_is_independent_of_order_and_entitles_if_any_entitles(
    subs: list[tuple[str, int]], grace: bool
) -> None:
    snaps = [snap(s, created=c, sub_id=f"sub_{i}") for i, (s, c) in enumerate(subs)]
    chosen = current_subscription(snaps, grace)
    assert chosen == current_subscription(list(reversed(snaps)), grace)
    any_pro = any(entitled_plan(s, CATALOG, grace).name == "PRO" for s in snaps)
    assert (entitled_plan(chosen, CATALOG, grace).name == "PRO") == any_pro


@pytest.mark.parametrize("text", ["", "[]", '{"plans": [{"name": "PRO"}]}',
                                  '{"default_plan": "X", "plans": []}'])
def test_bad_catalog_is_refused(text: str) -> None:
    with pytest.raises(CatalogError):
        PlanCatalog.from_json(text)
