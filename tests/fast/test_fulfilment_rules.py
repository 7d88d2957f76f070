"""The fulfilment path (domain/fulfilment.py) on fakes: Stripe's state now decides, whatever
the order, repetition or failure of the deliveries that ask for it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from apisales.domain.errors import CustomerConflict
from tests.fast.world import World
from tests.handlers.faults import FailingOnce


def paying(world: World, user: str = "ann", **sub: Any) -> tuple[str, dict[str, Any]]:
    """``user``'s customer (bound, as checkout does) and an active PRO subscription."""
    customer = world.stripe.create_customer(user, None)
    world.users.bind_customer(user, customer)
    return customer, world.stripe.subscription(customer, **sub)


def assert_user(world: World, user: str, plan: str) -> None:
    """What the user notices: the record, the key's one plan and the console agree."""
    assert world.plan(user) == plan
    assert world.key_plans(user) == {plan}
    assert world.cognito_plan(user) == plan


def test_a_payment_puts_the_user_and_their_one_key_on_pro() -> None:
    world = World()
    customer, sub = paying(world)
    outcome = world.fulfilment().sync("ann", customer)
    assert (outcome.plan, outcome.subscription.id) == ("PRO", sub["id"])  # type: ignore[union-attr]
    assert_user(world, "ann", "PRO")
    record = world.users.get("ann")
    assert record is not None and record.subscription_status == "active"


def test_cancellation_moves_the_same_key_to_free() -> None:
    world = World()
    customer, sub = paying(world)
    key_id = world.fulfilment().sync("ann", customer).key_id
    world.stripe.update(sub["id"], status="canceled")
    assert world.fulfilment().sync("ann", customer).key_id == key_id
    assert_user(world, "ann", "FREE")


def test_cancel_at_period_end_keeps_pro_until_stripe_ends_the_subscription() -> None:
    world = World()
    customer, sub = paying(world)
    world.stripe.update(sub["id"], cancel_at_period_end=True)
    world.fulfilment().sync("ann", customer)
    assert_user(world, "ann", "PRO")
    assert world.users.get("ann").cancel_at_period_end  # type: ignore[union-attr]


@pytest.mark.parametrize("grace", [True, False])
@pytest.mark.parametrize(("status", "plan"), [
    ("active", "PRO"), ("trialing", "PRO"), ("past_due", "PRO with grace"), ("unpaid", "FREE"),
    ("canceled", "FREE"), ("incomplete", "FREE"), ("incomplete_expired", "FREE"),
    ("paused", "FREE"),
])
def test_the_plan_follows_the_subscription_status(grace: bool, status: str, plan: str) -> None:
    world = World(grace=grace)
    customer, sub = paying(world)
    world.stripe.update(sub["id"], status=status)
    world.fulfilment().sync("ann", customer)
    expected = plan.split()[0] if plan != "PRO with grace" or grace else "FREE"
    assert_user(world, "ann", expected)


def test_a_late_deleted_event_for_the_old_subscription_does_not_downgrade_a_resubscriber() -> None:
    world = World()
    customer, old = paying(world)
    world.fulfilment().sync("ann", customer)
    world.stripe.update(old["id"], status="canceled")
    new = world.stripe.subscription(customer)
    world.fulfilment().sync("ann", customer)  # customer.subscription.created (new)
    world.fulfilment().sync("ann", customer)  # customer.subscription.deleted (old), late
    assert_user(world, "ann", "PRO")
    assert world.users.get("ann").subscription_id == new["id"]  # type: ignore[union-attr]


def test_a_newer_failed_attempt_does_not_downgrade_the_live_subscription() -> None:
    world = World()
    customer, live = paying(world)
    world.stripe.subscription(customer, status="incomplete_expired")  # newer, never paid
    assert world.fulfilment().sync("ann", customer).subscription.id == live["id"]  # type: ignore[union-attr]
    assert_user(world, "ann", "PRO")


def test_a_stale_snapshot_written_by_a_slower_run_is_repaired_by_the_check_again_round() -> None:
    """Run A read "active", run B read "canceled" and finished; A writes its stale snapshot
    last. Any later delivery (or A's own re-check) ends in Stripe's state, not A's."""
    world = World()
    customer, sub = paying(world)
    fulfilment = world.fulfilment()
    stale = world.stripe.subscriptions_of(customer)[0]
    world.stripe.update(sub["id"], status="canceled")
    fulfilment.sync("ann", customer)
    fulfilment.apply("ann", customer, stale)  # A's late write
    assert world.plan("ann") == "PRO"
    fulfilment.sync("ann", customer)
    assert_user(world, "ann", "FREE")


def test_stripe_changing_during_the_run_is_followed_to_its_latest_state() -> None:
    world = World()
    customer, sub = paying(world)
    calls = 0
    real = world.stripe.subscriptions_of

    def changing(customer_id: str) -> list[Any]:
        nonlocal calls
        calls += 1
        if calls == 2:  # between our write and our re-check, the customer cancels
            world.stripe.update(sub["id"], status="canceled")
        return real(customer_id)

    world.stripe.subscriptions_of = changing  # type: ignore[method-assign]
    assert world.fulfilment().sync("ann", customer).plan == "FREE"
    assert_user(world, "ann", "FREE")


@pytest.mark.parametrize(("port", "method"), [
    ("keys", "put_on_plan"), ("keys", "create"), ("identity", "set_plan"),
    ("users", "set_api_key"), ("users", "set_key_plan"), ("users", "record_subscription"),
])
def test_a_failure_at_any_step_is_completed_by_running_the_path_again(
    port: str, method: str
) -> None:
    world = World()
    customer, _ = paying(world)
    failing = FailingOnce(getattr(world, port), method)
    key_service = world.key_service()
    fulfilment = world.fulfilment(key_service)
    if port == "keys":
        key_service.keys = failing
    elif port == "identity":
        fulfilment.identity = failing
    else:
        key_service.users = fulfilment.users = failing
    with pytest.raises(Exception, match="injected"):
        fulfilment.sync("ann", customer)
    assert failing.failures == 1
    fulfilment.sync("ann", customer)  # Stripe's redelivery
    assert_user(world, "ann", "PRO")


def test_concurrent_deliveries_for_one_customer_converge_on_stripes_state() -> None:
    world = World()
    customer, sub = paying(world)
    start = threading.Barrier(12)
    errors: list[BaseException] = []

    def deliver(n: int) -> None:
        start.wait()
        if n == 6:
            world.stripe.update(sub["id"], status="canceled")
        try:
            world.fulfilment().sync("ann", customer)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    world.fulfilment().sync("ann", customer)  # whichever delivery Stripe sends last
    assert_user(world, "ann", "FREE")


def test_a_user_bound_to_another_customer_is_refused_and_nothing_is_written() -> None:
    world = World()
    paying(world, "ann")
    other = world.stripe.create_customer("ann", None)
    world.stripe.subscription(other)
    with pytest.raises(CustomerConflict):
        world.fulfilment().sync("ann", other)
    assert world.plan("ann") is None and world.keys_of("ann") == []
    assert world.cognito_plan("ann") is None
