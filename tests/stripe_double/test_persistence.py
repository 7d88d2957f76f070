"""The double's state file: an append-only journal, replayed at start, compacted off the
request path. What a user of `--state-file` (and the sandbox's `--resume`) relies on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.stripe_double import StripeDouble, catalog
from sandbox.stripe_double.journal import StateFileError
from sandbox.stripe_double.store import Store
from tests.fixtures.stripe_double import client_for

from .helpers import new_session

DAY = 86400


def persisted(store: Store) -> dict:
    """What a restart must give back: objects, bookkeeping, list order, the clock."""
    with store.lock:
        return json.loads(store.state().to_json())


def journal_size(state: Path) -> int:
    journal = state.with_name(state.name + ".journal")
    return journal.stat().st_size if journal.exists() else 0


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "stripe.json"


@pytest.fixture
def double(state: Path) -> Iterator[StripeDouble]:
    sd = StripeDouble(port=0, state_file=state, webhook_backoff=0.01).start()
    sd.seed_price()
    try:
        yield sd
    finally:
        sd.stop()


def _pay_on_the_page(double: StripeDouble, session_url: str, card: str) -> None:
    form = {"email": "buyer@example.com", "cardnumber": card, "exp": "12 / 40", "cvc": "123",
            "name": "Buyer"}  # fmt: skip
    answer = requests.post(session_url, data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text[:300]


def _lifecycle(double: StripeDouble) -> None:
    """Every kind of change the double makes, through each of its doors (SDK, hosted pages,
    Python helpers, control clock)."""
    client = client_for(double)
    double.add_webhook_endpoint("http://127.0.0.1:9/unreachable")
    gone = double.add_webhook_endpoint("http://127.0.0.1:9/gone")
    client.v1.webhook_endpoints.delete(gone.id)
    cus = client.v1.customers.create(params={"email": "a@example.com"})
    client.v1.customers.update(cus.id, params={"metadata": {"tier": "gold"}})
    # Paid on the hosted page (the page fetches the session before its transaction).
    page_paid = new_session(client)
    _pay_on_the_page(double, page_paid.url, "4242 4242 4242 4242")
    # Renewal fails, retries, then cancels: invoices and subscriptions change on the clock.
    failing = new_session(client, customer=cus.id)
    double.pay_checkout_session(failing.id, card="4000000000000341")
    expired = new_session(client)
    client.v1.checkout.sessions.expire(expired.id)
    ending = new_session(client)
    double.pay_checkout_session(ending.id)
    ending_sub = client.v1.checkout.sessions.retrieve(ending.id).subscription
    client.v1.subscriptions.update(str(ending_sub), params={"cancel_at_period_end": True})
    double.advance_clock(20 * DAY)
    # The portal page cancels the page-paid subscription now.
    sub_id = str(client.v1.checkout.sessions.retrieve(page_paid.id).subscription)
    customer = client.v1.subscriptions.retrieve(sub_id).customer
    cancel_now = client.v1.billing_portal.configurations.create(params={"features": {
        "subscription_cancel": {"enabled": True, "mode": "immediately"},
    }})  # fmt: skip
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer, "configuration": cancel_now.id}
    )
    answer = requests.post(f"{portal.url}/subscriptions/{sub_id}/cancel_now", timeout=10,
                           allow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    double.advance_clock(30 * DAY)
    # A Stripe test clock and its own customer.
    start = 1_800_000_000
    clock = client.v1.test_helpers.test_clocks.create(params={"frozen_time": start})
    on_clock = client.v1.customers.create(params={"email": "c@example.com", "test_clock": clock.id})
    double.pay_checkout_session(new_session(client, customer=on_clock.id).id)
    client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": start + 40 * DAY})
    # A new price takes the lookup key over from the old one.
    client.v1.prices.create(params={
        "product_data": {"name": "FM Mail PRO 2"}, "unit_amount": 1200, "currency": "jpy",
        "recurring": {"interval": "month"}, "lookup_key": "FMMailPro", "transfer_lookup_key": True,
    })  # fmt: skip


def test_state_survives_a_crash_and_a_clean_restart(double: StripeDouble, state: Path) -> None:
    _lifecycle(double)
    live = persisted(double.store)
    assert any(o["object"] == "invoice" and o["status"] == "open" for o in live["objects"].values())
    assert live["clock_offset"] == 50 * DAY

    # Killed now: only the snapshot and the journal are on disk.
    assert journal_size(state) > 0
    assert persisted(Store(state)) == live

    double.stop()
    assert not state.with_name(state.name + ".journal").exists()  # folded on a clean stop
    assert json.loads(state.read_text())["clock_offset"] == 50 * DAY
    again = StripeDouble(port=0, state_file=state).start()
    try:
        assert persisted(again.store) == live
        client = client_for(again)
        prices = client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]}).data
        assert [p.unit_amount for p in prices] == [1200]
        customer = client.v1.customers.list(params={"email": "a@example.com"}).data[0]
        assert customer.metadata["tier"] == "gold"
        assert len(client.v1.webhook_endpoints.list().data) == 1
    finally:
        again.stop()


def _create_customers(store: Store, count: int, start: int = 0) -> list[str]:
    ids = []
    for n in range(start, start + count):
        with store.transaction():
            ids.append(catalog.create_customer(store, {"email": f"user{n:06d}@example.com"})["id"])
    return ids


def test_a_torn_last_line_is_ignored_and_the_rest_is_kept(state: Path) -> None:
    store = Store(state)
    kept = _create_customers(store, 3)
    before_torn = journal_size(state)
    torn = _create_customers(store, 1, start=3)[0]
    journal = state.with_name(state.name + ".journal")
    line_length = journal_size(state) - before_torn
    # The process died half-way through writing the last line.
    with open(journal, "r+b") as f:
        f.truncate(before_torn + line_length // 2)

    reloaded = Store(state)
    assert [o["id"] for o in reloaded.scan("customer")] == kept[::-1]
    assert reloaded.get(torn) is None
    # The torn bytes are gone: new lines are not glued onto them, and a restart keeps them.
    after = _create_customers(reloaded, 1, start=4)[0]
    assert {o["id"] for o in Store(state).scan("customer")} == {*kept, after}


def test_a_damaged_line_before_the_end_is_an_error_not_a_silent_loss(state: Path) -> None:
    store = Store(state)
    _create_customers(store, 2)
    journal = state.with_name(state.name + ".journal")
    lines = journal.read_bytes().split(b"\n")
    journal.write_bytes(b"\n".join([lines[0][:10], *lines[1:]]))
    with pytest.raises(StateFileError, match="line 1"):
        Store(state)


def test_compaction_keeps_the_same_state(state: Path) -> None:
    store = Store(state, compact_after_bytes=4096)
    ids = _create_customers(store, 60)
    with store.transaction():
        store.get(ids[0])["metadata"] = {"changed": "after"}
        store.delete(ids[1])
        store.clock_offset = 7 * DAY
    assert store.journal is not None
    store.journal.wait_for_compaction()
    assert store.journal.compactions >= 1
    # Folded, not left to grow: at most about one snapshot's worth stays in the journal.
    assert journal_size(state) < store.journal.bytes_written
    assert journal_size(state) <= state.stat().st_size + 4096
    live = persisted(store)
    assert persisted(Store(state)) == live
    # Compaction is only a fold of the files: the live state is untouched.
    assert live["objects"][ids[0]]["metadata"] == {"changed": "after"}
    assert ids[1] not in live["objects"] and live["clock_offset"] == 7 * DAY
    store.close()
    assert persisted(Store(state)) == live


def test_bytes_written_per_change_do_not_grow_with_the_state(state: Path) -> None:
    double = StripeDouble(port=0, state_file=state).start()
    try:
        double.store.journal.compact_after_bytes = 1 << 40  # measure the journal alone
        client = client_for(double)

        def one_change() -> int:
            cus = client.v1.customers.create(params={"email": "probe@example.com"})
            before = journal_size(state)
            client.v1.customers.update(cus.id, params={"metadata": {"plan": "pro"}})
            return journal_size(state) - before

        def one_read() -> int:
            cus = client.v1.customers.list(params={"limit": 1}).data[0]
            before = journal_size(state)
            client.v1.customers.retrieve(cus.id)
            return journal_size(state) - before

        _create_customers(double.store, 10)
        small = one_change()
        _create_customers(double.store, 3000, start=10)
        state_bytes = len(double.store.state().to_json())
        large = one_change()
        assert 0 < small < 2000
        assert large == small  # the same change costs the same bytes at 300x the state
        assert state_bytes > 300 * large  # a rewrite of everything would cost this much
        assert one_read() == 0  # a read writes nothing
    finally:
        double.stop()


def test_a_fresh_start_removes_the_journal_too(state: Path) -> None:
    from sandbox.stripe_double.journal import remove_state_files

    store = Store(state)
    _create_customers(store, 2)
    remove_state_files(state)
    assert Store(state).scan("customer") == []


def test_reset_forgets_everything_on_disk(double: StripeDouble, state: Path) -> None:
    client = client_for(double)
    client.v1.customers.create(params={"email": "gone@example.com"})
    double.reset()
    client.v1.customers.create(params={"email": "kept@example.com"})
    emails = [c["email"] for c in Store(state).scan("customer")]
    assert emails == ["kept@example.com"]
