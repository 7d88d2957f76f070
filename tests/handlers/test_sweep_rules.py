"""The reconciliation sweep's rules (domain/sweep.py) on in-memory ports: fast.

What a seller would notice: a payment or cancellation whose webhook never came is applied by
the next sweep; a second sweep at the same time does nothing; a sweep that crashes or runs
out of time resumes where it stopped and doubles nothing.
"""

from __future__ import annotations

import threading

import pytest

from apisales.domain.errors import DependencyUnavailable
from apisales.domain.sweep import EVENT_RETENTION_S, PassKind, Status, SweepSettings
from apisales.domain.users import UserRecord
from tests.handlers.sweep_world import World


def test_a_payment_whose_webhook_never_came_is_applied_and_counted_once() -> None:
    world = World()
    world.paid_user("ann", "cus_ann", applied=False)
    world.paid_user("bob", "cus_bob", applied=True)

    report = world.sweep().run()

    assert report.status is Status.FINISHED and report.kind is PassKind.FULL
    assert world.key_plan("ann") == "PRO" and world.users.get("ann").plan == "PRO"
    assert world.identity.attributes["ann"]["custom:plan_type"] == "PRO"
    assert [(c.user_id, c.plan_before, c.plan_after) for c in report.corrections] == [
        ("ann", "FREE", "PRO")]
    assert world.key_plan("bob") == "PRO"  # already right: synced, not a correction
    again = world.sweep().run()
    assert again.corrections == [] and again.kind is PassKind.INCREMENTAL


def test_a_missed_cancellation_is_found_by_the_incremental_pass() -> None:
    world = World()
    sub = world.paid_user("ann", "cus_ann", applied=True)
    world.paid_user("bob", "cus_bob", applied=True)
    world.now += 3600  # the subscriptions are older than the clock margin
    world.sweep().run()  # the first run is a full pass and sets the events cursor
    world.stripe.update(sub, status="canceled")  # the customer.subscription.deleted is lost
    world.now += 3600

    report = world.sweep().run()

    assert report.kind is PassKind.INCREMENTAL
    assert report.customers_checked == 1  # only the customer with a new event, not bob
    assert world.key_plan("ann") == "FREE" and world.users.get("ann").plan == "FREE"
    assert [c.user_id for c in report.corrections] == ["ann"]


def test_a_full_pass_comes_daily_and_when_the_cursor_is_older_than_stripe_keeps_events() -> None:
    world = World()
    world.paid_user("ann", "cus_ann", applied=True)
    assert world.sweep().run().kind is PassKind.FULL
    world.now += 3600
    assert world.sweep().run().kind is PassKind.INCREMENTAL
    world.now += 86400
    assert world.sweep().run().kind is PassKind.FULL
    assert world.sweep().run(full=True).kind is PassKind.FULL  # on demand
    world.ledger.cursor = world.ledger.cursor.__class__(
        events_since=int(world.now) - EVENT_RETENTION_S, full_pass_at=int(world.now))
    assert world.sweep().run().kind is PassKind.FULL


def test_a_customer_nobody_is_bound_to_is_left_alone() -> None:
    world = World()
    world.stripe.subscription("cus_outside")  # a subscription made outside this app
    report = world.sweep().run()
    assert report.refused == 1 and report.security_refusals == [] and report.corrections == []
    assert world.users.items == {}


def test_a_user_whose_key_sits_on_another_plan_than_the_record_is_moved() -> None:
    world = World()
    world.paid_user("ann", "cus_ann", applied=True)
    world.sweep().run()
    # A crash after the record write, before the key move: record PRO, key FREE.
    record = world.users.get("ann")
    world.users.put(UserRecord("ann", stripe_customer_id="cus_ann", plan="PRO",
                               api_key_id=record.api_key_id, key_plan="FREE"))
    world.move_key(record.api_key_id, "FREE")
    # And a user with no customer whose key is on PRO although the record says FREE.
    world.users.put(UserRecord("cid", plan="FREE", api_key_id=world.key_on("PRO"),
                               key_plan="PRO"))  # fmt: skip
    world.now += 60

    report = world.sweep().run()

    assert world.key_plan("ann") == "PRO" and world.key_plan("cid") == "FREE"
    assert sorted(c.user_id for c in report.corrections) == ["ann", "cid"]


def test_a_customer_bound_to_two_users_is_a_security_refusal() -> None:
    world = World()
    world.paid_user("ann", "cus_x", applied=False)
    world.users.put(UserRecord("eve", stripe_customer_id="cus_x", plan="FREE"))
    report = world.sweep().run()
    assert [r.reason for r in report.security_refusals] == ["customer_bound_to_several_users"]
    assert world.key_plan("ann") == "FREE"  # nothing applied


def test_two_sweeps_at_once_one_sweeps_the_other_does_nothing() -> None:
    world = World()
    for n in range(6):
        world.paid_user(f"u{n}", f"cus_{n}", applied=False)
    inside = threading.Event()
    release = threading.Event()
    original = world.stripe.subscription_customers

    def slow_page(after: str | None):  # the first sweep holds the lease while it waits here
        inside.set()
        release.wait(5)
        return original(after)

    world.stripe.subscription_customers = slow_page  # type: ignore[method-assign]
    first = world.sweep()
    reports = {}
    thread = threading.Thread(target=lambda: reports.setdefault("first", first.run()))
    thread.start()
    assert inside.wait(5)
    reports["second"] = world.sweep().run()
    release.set()
    thread.join(10)

    assert reports["second"].status is Status.BUSY
    assert reports["first"].status is Status.FINISHED and len(reports["first"].corrections) == 6
    assert all(world.key_plan(f"u{n}") == "PRO" for n in range(6))
    assert world.ledger.owner is None  # released: the next run may start at once


def test_a_sweep_that_crashes_mid_walk_resumes_from_its_cursor_and_doubles_nothing() -> None:
    world = World()
    for n in range(6):  # three pages of two subscriptions
        world.paid_user(f"u{n}", f"cus_{n}", applied=False)
    world.stripe.fail_after = 6  # the list of page 1 + its syncs, then Stripe goes down

    failed = world.sweep().run()
    assert failed.status is Status.FAILED and isinstance(failed.error, DependencyUnavailable)
    # What was corrected before Stripe went down is reported: it did happen.
    assert sorted(c.user_id for c in failed.corrections) == ["u0", "u1"]
    done = {f"u{n}" for n in range(6) if world.key_plan(f"u{n}") == "PRO"}
    assert done == {"u0", "u1"}  # page 1 applied, its cursor stored
    assert world.ledger.cursor.full_after is not None and world.ledger.owner is None
    keys_before = set(world.keys.keys)

    world.stripe.fail_after = None
    world.now += 60
    report = world.sweep().run()

    assert report.status is Status.FINISHED and report.kind is PassKind.FULL
    assert sorted(c.user_id for c in report.corrections) == ["u2", "u3", "u4", "u5"]
    assert all(world.key_plan(f"u{n}") == "PRO" for n in range(6))
    assert set(world.keys.keys) == keys_before  # no second key for anyone
    assert world.ledger.cursor.full_after is None


def test_a_sweep_out_of_time_stores_its_cursor_and_the_next_run_finishes() -> None:
    world = World()
    for n in range(6):
        world.paid_user(f"u{n}", f"cus_{n}", applied=False)
    budget = iter([100.0, 100.0, 1.0])  # time left before each page: the third is too late
    paused = world.sweep(time_left=lambda: next(budget, 1.0)).run()
    assert paused.status is Status.PAUSED and len(paused.corrections) == 4
    assert world.ledger.owner is None and world.ledger.cursor.full_after is not None

    finished = world.sweep().run()
    assert finished.status is Status.FINISHED
    assert [c.user_id for c in finished.corrections] == ["u4", "u5"]


def test_a_sweep_whose_lease_was_taken_stops_without_writing_its_cursor() -> None:
    world = World()
    for n in range(4):
        world.paid_user(f"u{n}", f"cus_{n}", applied=False)
    sweep = world.sweep(settings=SweepSettings(concurrency=1, lease_s=1))
    original = world.stripe.subscription_customers

    def page_then_lease_stolen(after: str | None):
        page = original(after)
        world.ledger.owner, world.ledger.until = "someone-else", int(world.now) + 999
        return page

    world.stripe.subscription_customers = page_then_lease_stolen  # type: ignore[method-assign]
    report = sweep.run()
    assert report.status is Status.LEASE_LOST
    assert world.ledger.owner == "someone-else" and world.ledger.cursor.full_after is None


def test_the_token_bucket_spaces_requests_at_its_rate() -> None:
    from apisales.adapters.rate_limit import TokenBucket

    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=4, burst=2, clock=lambda: now[0], sleep=sleep)
    taken_at = []
    for _ in range(10):
        bucket.acquire()
        taken_at.append(now[0])
    assert taken_at[:2] == [0.0, 0.0]  # the burst
    # then one every 1/4 s: 8 more tokens take 2 s
    assert taken_at[-1] == pytest.approx(2.0)
    gaps = [b - a for a, b in zip(taken_at[1:], taken_at[2:], strict=False)]
    assert gaps == pytest.approx([0.25] * 8)
