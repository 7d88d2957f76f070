"""Webhook delivery: Stripe's signature, retries with backoff, the log, and chaos switches."""

from __future__ import annotations

import threading

import stripe

from .helpers import new_session

FLOW = ["customer.created", "customer.subscription.created", "invoice.paid",
        "checkout.session.completed"]


def _checkout(double, client) -> str:
    session = new_session(client)
    return double.pay_checkout_session(session.id)["subscription"]


def test_every_event_is_delivered_signed_and_verifiable(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    endpoint = stripe_double.add_webhook_endpoint(webhook_receiver.url)
    sub_id = _checkout(stripe_double, stripe_client)
    stripe_client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    stripe_client.v1.subscriptions.cancel(sub_id)
    assert stripe_double.wait_for_deliveries(10)
    verified = [
        stripe.Webhook.construct_event(r.body, r.headers["Stripe-Signature"], endpoint.secret)
        for r in webhook_receiver.received
    ]
    assert [e.type for e in verified] == FLOW + [
        "customer.subscription.updated", "customer.subscription.deleted"]
    assert len({e.id for e in verified}) == len(verified)
    for evt in verified:
        assert evt.livemode is False and evt.api_version and evt.object == "event"
        assert isinstance(evt.created, int)
    log = stripe_double.deliveries()
    assert [(d["type"], d["attempt"], d["status"]) for d in log] == [
        (e.type, 1, 200) for e in verified]
    # A wrong secret must not verify: the signature really covers the payload.
    first = webhook_receiver.received[0]
    try:
        stripe.Webhook.construct_event(first.body, first.headers["Stripe-Signature"], "whsec_x")
        raise AssertionError("verified with the wrong secret")
    except stripe.SignatureVerificationError:
        pass


def test_non_2xx_is_retried_until_accepted(stripe_double, stripe_client, webhook_receiver):
    stripe_double.add_webhook_endpoint(webhook_receiver.url, events=["invoice.paid"])
    webhook_receiver.fail_next(2, status=503)
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(10)
    assert [(d["attempt"], d["status"]) for d in stripe_double.deliveries()] == [
        (1, 503), (2, 503), (3, 200)]
    assert webhook_receiver.types() == ["invoice.paid"]


def test_unreachable_endpoint_uses_up_its_attempts(stripe_double, stripe_client, webhook_receiver):
    stripe_double.add_webhook_endpoint("http://127.0.0.1:9/closed", events=["invoice.paid"])
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(10)
    log = stripe_double.deliveries()
    assert [d["attempt"] for d in log] == [1, 2, 3, 4]
    assert all(d["status"] is None and d["error"] and not d["ok"] for d in log)


def test_wait_reports_unsettled_deliveries(stripe_double, stripe_client, webhook_receiver) -> None:
    stripe_double.configure_delivery(backoff=600)  # the retry will not be due during the test
    stripe_double.add_webhook_endpoint(webhook_receiver.url, events=["invoice.paid"])
    webhook_receiver.fail_next(1)
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(0.3) is False
    assert [d["status"] for d in stripe_double.deliveries()] == [500]


def test_duplicate_switch_sends_each_event_twice(stripe_double, stripe_client, webhook_receiver):
    stripe_double.add_webhook_endpoint(webhook_receiver.url)
    stripe_double.configure_delivery(duplicate=True)
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(10)
    ids = [e["id"] for e in webhook_receiver.events()]
    assert len(ids) == 2 * len(FLOW) and len(set(ids)) == len(FLOW)


def test_reverse_switch_delivers_a_batch_out_of_order(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    stripe_double.add_webhook_endpoint(webhook_receiver.url)
    stripe_double.configure_delivery(order="reverse")
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(10)
    assert webhook_receiver.types() == FLOW[::-1]


def test_receiver_may_call_the_double_back_while_being_delivered(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    seen: list[str] = []

    def fetch(event: dict) -> None:
        if event["type"] == "customer.subscription.created":
            sub = stripe_client.v1.subscriptions.retrieve(event["data"]["object"]["id"])
            seen.append(sub.status)

    webhook_receiver.on_event = fetch
    stripe_double.add_webhook_endpoint(webhook_receiver.url)
    _checkout(stripe_double, stripe_client)
    assert stripe_double.wait_for_deliveries(10)
    assert seen == ["active"]


def test_several_workers_deliver_duplicates_concurrently(webhook_receiver) -> None:
    from sandbox.stripe_double import StripeDouble

    from ..fixtures.stripe_double import client_for

    # Both copies must be in flight together: each waits here for the other.
    barrier = threading.Barrier(2, timeout=5)
    met: list[bool] = []

    def meet(event: dict) -> None:
        try:
            barrier.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)

    webhook_receiver.on_event = meet
    with StripeDouble(webhook_workers=2, webhook_backoff=0.01) as double:
        double.seed_price()
        double.add_webhook_endpoint(webhook_receiver.url, events=["checkout.session.completed"])
        double.configure_delivery(duplicate=True)
        _checkout(double, client_for(double))
        assert double.wait_for_deliveries(10)
    assert met == [True, True]
