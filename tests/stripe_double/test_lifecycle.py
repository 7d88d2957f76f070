"""Subscription life after checkout: cancel at period end, resume, cancel now, and the
clock: renewals, failed renewals with retries, and the end of a cancelled period."""

from __future__ import annotations

import pytest
import stripe

from .helpers import new_session

DAY = 86400


def _subscribe(double, client, card: str = "4242424242424242", **extra) -> str:
    session = new_session(client, **extra)
    return double.pay_checkout_session(session.id, card=card)["subscription"]


def _types(double, since: int) -> list[str]:
    return [e["type"] for e in double.events()[since:]]


def test_cancel_at_period_end_then_resume_then_cancel_now(stripe_double, stripe_client) -> None:
    sub_id = _subscribe(stripe_double, stripe_client)
    mark = len(stripe_double.events())
    sub = stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    end = sub["items"].data[0].current_period_end
    assert (sub.status, sub.cancel_at_period_end, sub.cancel_at) == ("active", True, end)
    resumed = stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": False})
    assert (resumed.cancel_at_period_end, resumed.cancel_at) == (False, None)
    canceled = stripe_client.v1.subscriptions.cancel(sub_id)
    assert canceled.status == "canceled" and canceled.ended_at is not None
    evts = stripe_double.events()[mark:]
    assert [e["type"] for e in evts] == ["customer.subscription.updated"] * 2 + [
        "customer.subscription.deleted"]
    # Each event shows the subscription as it was when the event happened.
    assert evts[0]["data"]["object"]["cancel_at_period_end"] is True
    assert evts[0]["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert evts[1]["data"]["object"]["cancel_at_period_end"] is False
    assert evts[2]["data"]["object"]["status"] == "canceled"
    assert stripe_client.v1.subscriptions.list(params={"customer": sub.customer}).data == []
    listed = stripe_client.v1.subscriptions.list(params={"customer": sub.customer, "status": "all"})
    assert [s.id for s in listed.data] == [sub_id]


def test_advancing_past_period_end_renews(stripe_double, stripe_client) -> None:
    sub_id = _subscribe(stripe_double, stripe_client)
    before = stripe_client.v1.subscriptions.retrieve(sub_id)["items"].data[0]
    mark = len(stripe_double.events())
    stripe_double.advance_clock(32 * DAY)
    after = stripe_client.v1.subscriptions.retrieve(sub_id, params={"expand": ["latest_invoice"]})
    item = after["items"].data[0]
    assert after.status == "active"
    assert item.current_period_start == before.current_period_end
    assert item.current_period_end > before.current_period_end
    assert after.latest_invoice.status == "paid"
    assert after.latest_invoice.billing_reason == "subscription_cycle"
    assert _types(stripe_double, mark) == ["customer.subscription.updated", "invoice.paid"]
    renewal = stripe_double.events("invoice.paid")[-1]
    assert renewal["created"] == before.current_period_end  # stamped at the renewal moment
    invoices = stripe_client.v1.invoices.list(params={"subscription": sub_id})
    assert [i.status for i in invoices.data] == ["paid", "paid"]


def test_card_0341_fails_renewal_goes_past_due_then_canceled(stripe_double, stripe_client) -> None:
    sub_id = _subscribe(stripe_double, stripe_client, card="4000000000000341")
    mark = len(stripe_double.events())
    stripe_double.advance_clock(32 * DAY)
    sub = stripe_client.v1.subscriptions.retrieve(sub_id, params={"expand": ["latest_invoice"]})
    assert sub.status == "past_due"
    assert sub.latest_invoice.status == "open" and sub.latest_invoice.attempt_count == 1
    assert _types(stripe_double, mark) == [
        "invoice.payment_failed", "customer.subscription.updated"]
    stripe_double.advance_clock(30 * DAY)  # past every retry
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "canceled"
    assert sub.cancellation_details.reason == "payment_failed"
    types = _types(stripe_double, mark)
    assert types.count("invoice.payment_failed") == 4
    assert types[-1] == "customer.subscription.deleted"


def test_cancel_at_period_end_ends_the_subscription_when_the_period_ends(
    stripe_double, stripe_client
) -> None:
    sub_id = _subscribe(stripe_double, stripe_client)
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    stripe_double.advance_clock(5 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "active"  # not yet
    mark = len(stripe_double.events())
    stripe_double.advance_clock(30 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "canceled"
    assert _types(stripe_double, mark) == ["customer.subscription.deleted"]
    assert len(stripe_client.v1.invoices.list(params={"subscription": sub_id}).data) == 1


def test_stripe_test_clock_moves_only_its_own_customers(stripe_double, stripe_client) -> None:
    start = 1_800_000_000
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": start})
    cus = stripe_client.v1.customers.create(params={"email": "t@x.io", "test_clock": clock.id})
    on_clock = _subscribe(stripe_double, stripe_client, customer=cus.id)
    off_clock = _subscribe(stripe_double, stripe_client)
    sub = stripe_client.v1.subscriptions.retrieve(on_clock)
    assert sub.start_date == start and sub.test_clock == clock.id
    advanced = stripe_client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": start + 40 * DAY})
    assert advanced.frozen_time == start + 40 * DAY and advanced.status == "ready"
    assert len(stripe_client.v1.invoices.list(params={"subscription": on_clock}).data) == 2
    assert len(stripe_client.v1.invoices.list(params={"subscription": off_clock}).data) == 1
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": start})


def test_portal_session_for_customer(stripe_double, stripe_client) -> None:
    sub_id = _subscribe(stripe_double, stripe_client)
    customer = stripe_client.v1.subscriptions.retrieve(sub_id).customer
    portal = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": "https://app.example.com/upgrade"})
    assert portal.url.startswith(f"{stripe_double.url}/p/session/")
    assert portal.return_url == "https://app.example.com/upgrade"
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.billing_portal.sessions.create(params={"customer": "cus_nobody"})
    assert err.value.param == "customer"
