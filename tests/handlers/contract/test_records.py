"""The checkout sessions' and processed events' contracts."""

from __future__ import annotations

from apisales.domain.ports import CheckoutSessions, ProcessedEvents


def test_an_event_is_recorded_once(processed_events: ProcessedEvents) -> None:
    assert not processed_events.is_processed("evt_1")
    assert processed_events.mark_processed("evt_1", "invoice.paid")
    assert processed_events.is_processed("evt_1")
    assert not processed_events.mark_processed("evt_1", "invoice.paid")
    assert not processed_events.is_processed("evt_2")


def test_the_owner_recorded_at_checkout_is_never_overwritten(
    checkout_sessions: CheckoutSessions,
) -> None:
    assert checkout_sessions.get("cs_test_1") is None
    assert checkout_sessions.owner_of("cs_test_1") is None
    checkout_sessions.record_created("cs_test_1", "ann")
    checkout_sessions.record_created("cs_test_1", "bob")
    record = checkout_sessions.get("cs_test_1")
    assert record is not None
    assert (record.user_id, record.status, record.fulfilled_at) == ("ann", "open", None)
    assert checkout_sessions.owner_of("cs_test_1") == "ann"


def test_fulfilment_is_marked_once_and_creates_a_lost_record(
    checkout_sessions: CheckoutSessions,
) -> None:
    checkout_sessions.record_created("cs_test_2", "ann")
    checkout_sessions.mark_fulfilled("cs_test_2", "bob")  # the owner stays ann
    first = checkout_sessions.get("cs_test_2")
    assert first is not None and (first.user_id, first.status) == ("ann", "complete")
    assert first.fulfilled_at is not None
    checkout_sessions.mark_fulfilled("cs_test_2", "ann")
    assert checkout_sessions.get("cs_test_2") == first  # the first fulfilment time is kept
    checkout_sessions.mark_fulfilled("cs_test_lost", "cal")
    lost = checkout_sessions.get("cs_test_lost")
    assert lost is not None and (lost.user_id, lost.status) == ("cal", "complete")
    record_created_later = "cs_test_lost"
    checkout_sessions.record_created(record_created_later, "dan")
    assert checkout_sessions.owner_of(record_created_later) == "cal"
