"""The sweep's ports' contracts: its ledger item (``SweepLedger``), its walk of the users
table (``UserWalk``) and Stripe as it walks it (``SweepSource``). The rule tests
(tests/handlers/test_sweep_rules.py) run the sweep on these fakes."""

from __future__ import annotations

import uuid

from apisales.domain.sweep import SweepCursor, SweepLedger
from tests.fixtures.stripe_double import stripe_double  # noqa: F401 - fixture
from tests.handlers.contract.conftest import SweepSourceUnderTest, WalkUnderTest

NOW, LEASE = 1_800_000_000, 360
SUCCESS, CANCEL = "https://app.example.test/upgrade/thanks", "https://app.example.test/c"


def test_one_lease_at_a_time_until_it_expires(sweep_ledger: SweepLedger) -> None:
    assert sweep_ledger.acquire("a", NOW, LEASE) == SweepCursor()  # nothing stored yet
    assert sweep_ledger.acquire("b", NOW + 1, LEASE) is None  # a's lease is live
    assert sweep_ledger.acquire("a", NOW + 1, LEASE) == SweepCursor()  # a may take it again
    assert sweep_ledger.acquire("b", NOW + 1 + LEASE + 1, LEASE) == SweepCursor()  # expired
    # a's run went on past its lease: it may no longer write.
    assert not sweep_ledger.save("a", SweepCursor(users_after="u9"), NOW + 400, LEASE)


def test_the_cursor_saved_is_the_one_the_next_run_gets(sweep_ledger: SweepLedger) -> None:
    assert sweep_ledger.acquire("a", NOW, LEASE) is not None
    page = SweepCursor(events_since=NOW - 300, full_after="sub_2", full_started_at=NOW)
    assert sweep_ledger.save("a", page, NOW + 10, LEASE)
    assert sweep_ledger.acquire("b", NOW + 20, LEASE) is None  # save extended a's lease
    done = SweepCursor(events_since=NOW - 300, full_pass_at=NOW + 30)
    sweep_ledger.release("b", SweepCursor(users_after="not-b's"))  # not b's lease: no effect
    sweep_ledger.release("a", done)
    assert sweep_ledger.acquire("b", NOW + 40, LEASE) == done  # released: free at once


def _keyed(users: WalkUnderTest, user_id: str, *, plan: str | None,
           key_plan: str | None) -> None:  # fmt: skip
    """A user whose record says ``plan`` (None: none written) and whose key is on ``key_plan``
    (None: the key's plan never recorded), written through the UserStore port."""
    if plan is not None:
        users.users.record_subscription(user_id, None, None, plan)
    token = uuid.uuid4().hex
    assert users.users.claim_key_issue(user_id, token, NOW, 60)
    key_id = f"key-{user_id}"
    assert users.users.set_api_key(user_id, key_id, claim_token=token)
    if key_plan is not None:
        users.users.set_key_plan(user_id, key_id, key_plan)


def test_the_walk_finds_exactly_the_keys_on_another_plan_than_the_record(
    user_walk: WalkUnderTest,
) -> None:
    _keyed(user_walk, "ann", plan="PRO", key_plan="PRO")
    _keyed(user_walk, "bob", plan="PRO", key_plan="FREE")  # drifted
    _keyed(user_walk, "cid", plan="PRO", key_plan=None)  # drifted: the key's plan unknown
    _keyed(user_walk, "eve", plan=None, key_plan="FREE")  # no plan: the default, FREE
    _keyed(user_walk, "fay", plan=None, key_plan="PRO")  # drifted
    user_walk.users.record_subscription("dan", None, None, "PRO")  # no key: nothing to move
    for n in range(5):
        _keyed(user_walk, f"z{n}", plan="FREE", key_plan="FREE")

    found: dict[str, tuple[str | None, str | None]] = {}
    after: str | None = None
    pages = 0
    while True:
        page = user_walk.walk.drifted_users(after)
        found.update({r.user_id: (r.plan, r.key_plan) for r in page.items})
        pages += 1
        if page.next is None:
            break
        after = page.next
    assert found == {"bob": ("PRO", "FREE"), "cid": ("PRO", None), "fay": (None, "PRO")}
    assert pages <= 11  # every page moves the walk on


def test_the_source_lists_every_subscription_and_the_customers_changed_since(
    sweep_source: SweepSourceUnderTest,
) -> None:
    billing = sweep_source.billing
    price = billing.price_id("FMMailPro")
    customers = []
    for n in range(3):
        customer = billing.create_customer(f"user{n}", f"user{n}@example.com")
        link = billing.create_checkout_session(user_id=f"user{n}", customer_id=customer,
                                               price_id=price, success_url=SUCCESS,
                                               cancel_url=CANCEL)  # fmt: skip
        sweep_source.pay(link.id)
        customers.append(customer)

    listed: list[str] = []
    after: str | None = None
    while True:
        page = sweep_source.source.subscription_customers(after)
        listed.extend(page.items)
        if page.next is None:
            break
        after = page.next
    assert sorted(listed) == sorted(customers)  # each subscription once, across pages

    first = sweep_source.source.changed_customers(0)
    assert set(first.customers) == set(customers) and first.newest_event is not None
    assert first.customers == tuple(sorted(first.customers))

    sweep_source.later(60)
    assert billing.cancel_subscriptions(customers[1]) == 1
    since = first.newest_event + 1
    changed = sweep_source.source.changed_customers(since)
    assert changed.customers == (customers[1],)
    assert changed.newest_event is not None and changed.newest_event >= since
    assert sweep_source.source.changed_customers(changed.newest_event + 1).customers == ()
