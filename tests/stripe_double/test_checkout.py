"""Checkout in subscription mode, paid programmatically and through the page's form post."""

from __future__ import annotations

import pytest
import requests
import stripe

from sandbox.stripe_double import StripeError
from sandbox.stripe_double.timeutil import add_interval

from .helpers import SUCCESS_URL, new_session


def test_paying_creates_customer_active_subscription_and_paid_invoice(
    stripe_double, stripe_client
) -> None:
    session = new_session(stripe_client, metadata={"user": "user-1"})
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.url.startswith(stripe_double.url)
    stripe_double.pay_checkout_session(session.id, card="4242 4242 4242 4242")

    done = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["subscription", "customer", "invoice"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.client_reference_id == "user-1" and done.metadata["user"] == "user-1"
    assert done.customer.email == "buyer@example.com"
    sub = done.subscription
    item = sub["items"].data[0]
    assert sub.status == "active" and sub.cancel_at_period_end is False
    assert item.price.lookup_key == "FMMailPro"
    assert item.current_period_end == add_interval(item.current_period_start, "month")
    assert done.invoice.status == "paid" and done.invoice.amount_paid == 980
    assert done.invoice.parent.subscription_details.subscription == sub.id
    assert [e["type"] for e in stripe_double.events()] == [
        "customer.created", "customer.subscription.created", "invoice.paid",
        "checkout.session.completed"]
    completed = stripe_double.events("checkout.session.completed")[0]["data"]["object"]
    assert (completed["subscription"], completed["customer"]) == (sub.id, done.customer.id)


def test_existing_customer_is_reused(stripe_double, stripe_client) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "known@example.com"})
    session = new_session(stripe_client, customer=cus.id)
    stripe_double.pay_checkout_session(session.id)
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).customer == cus.id
    assert len(stripe_double.events("customer.created")) == 1  # only the explicit create
    subs = stripe_client.v1.subscriptions.list(params={"customer": cus.id})
    assert len(subs.data) == 1


def test_declined_card_leaves_session_open_and_emits_nothing(stripe_double, stripe_client) -> None:
    session = new_session(stripe_client)
    with pytest.raises(StripeError) as err:
        stripe_double.pay_checkout_session(session.id, card="4000000000000002")
    assert (err.value.status, err.value.type, err.value.decline_code) == (
        402, "card_error", "generic_decline")
    assert stripe_client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert stripe_double.events() == []


def test_page_form_post_redirects_to_success_url_with_session_id(stripe_double, stripe_client):
    session = new_session(stripe_client)
    form = {"email": "buyer@example.com", "cardnumber": "4242424242424242", "exp": "12 / 40",
            "cvc": "123"}
    resp = requests.post(session.url, data=form, allow_redirects=False, timeout=5)
    assert resp.status_code == 303
    assert resp.headers["Location"] == SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", session.id)
    declined = new_session(stripe_client)
    page = requests.post(declined.url, data={**form, "cardnumber": "4000 0000 0000 0002"},
                         allow_redirects=False, timeout=5)
    assert page.status_code == 200 and "Your card was declined." in page.text


def test_expire_then_paying_is_refused(stripe_double, stripe_client) -> None:
    session = new_session(stripe_client)
    expired = stripe_client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    with pytest.raises(StripeError):
        stripe_double.pay_checkout_session(session.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(session.id)
    assert [e["type"] for e in stripe_double.events()] == ["checkout.session.expired"]
