"""One key per user (domain/api_key.py): issued once, adopted after a crash, rotated, and
kept on the plan the record names."""

from __future__ import annotations

import threading
import time

import pytest

from apisales.domain.api_key import CLAIM_TTL_SECONDS, key_name
from apisales.domain.errors import KeyIssueBusy
from tests.fast.world import CATALOG, SCOPE, Clock, World
from tests.handlers.faults import FailingOnce

FREE, PRO = CATALOG.plan("FREE"), CATALOG.plan("PRO")


def test_the_first_call_issues_the_key_and_later_calls_return_it() -> None:
    world = World()
    service = world.key_service()
    key_id, created = service.ensure_key("ann", FREE)
    assert created and world.keys_of("ann") == [key_id]
    assert service.ensure_key("ann", FREE) == (key_id, False)
    assert world.key_plans("ann") == {"FREE"}
    assert world.users.get("ann").key_plan == "FREE"  # type: ignore[union-attr]


def test_sixteen_concurrent_first_calls_leave_exactly_one_key() -> None:
    world = World()
    results: list[str] = []
    start = threading.Barrier(16)

    def issue() -> None:
        service = world.key_service()
        service.sleep = lambda _s: time.sleep(0.001)  # the losers poll the winner's write
        start.wait()
        results.append(service.ensure_key("ann", FREE)[0])

    threads = [threading.Thread(target=issue) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 16 and len(set(results)) == 1
    assert world.keys_of("ann") == results[:1]
    assert world.key_plans("ann") == {"FREE"}


def test_a_crash_between_creating_and_storing_the_key_is_adopted_not_duplicated() -> None:
    world = World()
    failing = FailingOnce(world.users, "set_api_key")
    service = world.key_service()
    service.users = failing
    with pytest.raises(Exception, match="injected"):
        service.ensure_key("ann", PRO)
    orphan = world.keys_of("ann")
    assert len(orphan) == 1  # created, named for ann, not stored
    # The failed call released its claim: the retry proceeds at once and adopts the key.
    assert service.ensure_key("ann", PRO) == (orphan[0], True)
    assert world.keys_of("ann") == orphan and world.key_plans("ann") == {"PRO"}


def test_a_claim_left_by_a_crashed_request_expires_and_the_next_call_issues() -> None:
    world, clock = World(), Clock()
    assert world.users.claim_key_issue("ann", "crashed", int(clock()), CLAIM_TTL_SECONDS)
    clock.now += CLAIM_TTL_SECONDS + 1
    key_id, created = world.key_service(clock).ensure_key("ann", FREE)
    assert created and world.keys_of("ann") == [key_id]


def test_a_live_claim_held_elsewhere_makes_the_caller_wait_then_503() -> None:
    world, clock = World(), Clock()
    assert world.users.claim_key_issue("ann", "elsewhere", int(clock()), CLAIM_TTL_SECONDS)
    with pytest.raises(KeyIssueBusy):
        world.key_service(clock).ensure_key("ann", FREE)
    assert world.keys_of("ann") == []


def test_rotation_replaces_the_key_on_the_same_plan_and_deletes_the_old_one() -> None:
    world = World()
    service = world.key_service()
    old, _ = service.ensure_key("ann", PRO)
    new = service.rotate("ann", old, PRO)
    assert new != old and world.keys_of("ann") == [new]
    assert world.key_plans("ann") == {"PRO"}
    assert world.keys.plans_of(old) == set()
    assert world.users.get("ann").api_key_id == new  # type: ignore[union-attr]


def test_concurrent_rotations_leave_one_key_and_each_caller_gets_the_winner() -> None:
    world = World()
    old, _ = world.key_service().ensure_key("ann", PRO)
    results: list[str] = []
    start = threading.Barrier(8)

    def rotate() -> None:
        start.wait()
        results.append(world.key_service().rotate("ann", old, PRO))

    threads = [threading.Thread(target=rotate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winner = world.users.get("ann").api_key_id  # type: ignore[union-attr]
    assert world.keys_of("ann") == [winner] and set(results) == {winner}
    assert world.key_plans("ann") == {"PRO"}


def test_a_key_call_that_read_free_before_a_payment_leaves_the_key_on_pro() -> None:
    """The account route read FREE; the payment's fulfilment wrote PRO and moved the key."""
    world = World()
    service = world.key_service()
    service.ensure_key("ann", FREE)
    world.users.record_subscription("ann", "cus_ann", None, "PRO")  # fulfilment's first write
    key_id, _ = service.ensure_key("ann", FREE)  # the route's stale plan
    assert world.key_plans("ann") == {"PRO"}
    assert world.users.get("ann").key_plan == "PRO"  # type: ignore[union-attr]
    assert world.keys_of("ann") == [key_id]


def test_keys_are_named_for_the_stack_so_two_stacks_never_adopt_each_others() -> None:
    world = World()
    world.keys.create(key_name("other-stack-users", "ann"))
    key_id, created = world.key_service().ensure_key("ann", FREE)
    assert created and world.keys_of("ann") == [key_id] and SCOPE != "other-stack-users"
