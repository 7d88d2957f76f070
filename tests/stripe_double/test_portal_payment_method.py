"""The portal's payment-method update, as a past-due customer meets it: a portal session
deep-linked with ``flow_data[type]=payment_method_update`` opens on the card form; a good
card becomes the customer's default, the open invoice is paid at once, the subscription is
active again and the webhooks say so; a declined card changes nothing. The homepage lists
the invoices when the configuration enables invoice history."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import stripe

from .helpers import new_session
from .test_portal_and_endpoints import PROGRAM_PORTAL

FLOW = {"type": "payment_method_update"}


def _past_due(double, client) -> tuple[str, str]:
    paid = double.pay_checkout_session(new_session(client).id, card="4000000000000341")
    double.advance_clock(32 * 86400)  # the renewal fails
    assert client.v1.subscriptions.retrieve(paid["subscription"]).status == "past_due"
    return paid["customer"], paid["subscription"]


def _portal(client, customer: str, **extra) -> stripe.billing_portal.Session:
    config = client.v1.billing_portal.configurations.create(params=PROGRAM_PORTAL)
    params = {"customer": customer, "configuration": config.id,
              "return_url": "https://app.example.com/upgrade", **extra}  # fmt: skip
    return client.v1.billing_portal.sessions.create(params=params)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - stdlib signature
        return None


def _submit(url: str, card: str, exp: str = "12 / 34", cvc: str = "123") -> tuple[int, str, str]:
    """POST the card form; (status, Location, body) without following a redirect."""
    data = urllib.parse.urlencode({"cardnumber": card, "exp": exp, "cvc": cvc}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=5) as response:
            return response.status, "", response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or "", error.read().decode()


def test_a_flow_session_carries_stripes_flow_object(stripe_double, stripe_client) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    session = _portal(stripe_client, customer, flow_data=FLOW).to_dict()
    assert session["flow"] == {
        "after_completion": {"hosted_confirmation": None, "redirect": None,
                             "type": "portal_homepage"},
        "subscription_cancel": None, "subscription_update": None,
        "subscription_update_confirm": None, "type": "payment_method_update",
    }  # fmt: skip
    redirect = _portal(stripe_client, customer, flow_data={**FLOW, "after_completion": {
        "type": "redirect", "redirect": {"return_url": "https://app.example.com/account/"}}})
    assert redirect.to_dict()["flow"]["after_completion"] == {
        "hosted_confirmation": None, "type": "redirect",
        "redirect": {"return_url": "https://app.example.com/account/"},
    }  # fmt: skip
    assert _portal(stripe_client, customer).to_dict()["flow"] is None


@pytest.mark.parametrize("flow_data, param", [
    ({"type": "pay_everything"}, "flow_data[type]"),
    ({"after_completion": {"type": "portal_homepage"}}, "flow_data[type]"),  # no type
    ({"type": "subscription_cancel"}, "flow_data[type]"),  # real Stripe, not in the double
    ({**FLOW, "after_completion": {"type": "redirect"}},
     "flow_data[after_completion][redirect][return_url]"),
    ({**FLOW, "after_completion": {"type": "redirect", "redirect": {"return_url": "ftp://x"}}},
     "flow_data[after_completion][redirect][return_url]"),
    ({**FLOW, "after_completion": {"type": "elsewhere"}}, "flow_data[after_completion][type]"),
    ({**FLOW, "after_completion": {"type": "hosted_confirmation",
                                   "hosted_confirmation": {"custom_message": "x" * 501}}},
     "flow_data[after_completion][hosted_confirmation][custom_message]"),
    ({**FLOW, "colour": "red"}, "colour"),
])  # fmt: skip
def test_bad_flow_data_is_a_400_naming_the_field(
    stripe_double, stripe_client, flow_data, param
) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _portal(stripe_client, customer, flow_data=flow_data)
    assert caught.value.param == param


def test_the_flow_needs_the_feature_on_the_configuration(stripe_double, stripe_client) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    off = stripe_client.v1.billing_portal.configurations.create(params={
        "features": {"invoice_history": {"enabled": True}}})  # fmt: skip
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.billing_portal.sessions.create(params={
            "customer": customer, "configuration": off.id, "flow_data": FLOW})  # fmt: skip


def test_a_good_card_pays_the_open_invoice_and_the_subscription_is_active_again(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    customer, sub_id = _past_due(stripe_double, stripe_client)
    open_invoice = stripe_client.v1.subscriptions.retrieve(sub_id).latest_invoice
    stripe_double.add_webhook_endpoint(webhook_receiver.url)
    session = _portal(stripe_client, customer, flow_data={**FLOW, "after_completion": {
        "type": "redirect", "redirect": {"return_url": "https://app.example.com/account/"}}})
    page = _get(session.url)  # the deep link opens on the card form, not the homepage
    assert "Update payment method" in page and 'action="' in page
    assert "Cancel at period end" not in page and "past due" in page

    status, location, _ = _submit(session.url + "/payment_method", "4242 4242 4242 4242")
    assert (status, location) == (303, "https://app.example.com/account/")
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "active"
    invoice = stripe_client.v1.invoices.retrieve(open_invoice)
    assert (invoice.status, invoice.amount_remaining) == ("paid", 0)
    default = stripe_client.v1.customers.retrieve(customer).invoice_settings.default_payment_method
    assert default and default.startswith("pm_")
    assert stripe_double.wait_for_deliveries(10)
    assert webhook_receiver.types() == [
        "customer.updated", "invoice.paid", "customer.subscription.updated"]  # fmt: skip
    updated = webhook_receiver.events()[-1]
    assert updated["data"]["previous_attributes"] == {"status": "past_due"}
    # The new card also pays the next renewal.
    stripe_double.advance_clock(32 * 86400)
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "active"
    # Done: the same link now shows the portal's homepage.
    assert "Invoice history" in _get(session.url)


def test_a_declined_card_changes_nothing(stripe_double, stripe_client) -> None:
    customer, sub_id = _past_due(stripe_double, stripe_client)
    session = _portal(stripe_client, customer, flow_data=FLOW)
    before = len(stripe_double.events())
    status, _, page = _submit(session.url + "/payment_method", "4000 0000 0000 0002")
    assert status == 200 and re.search(r'role=alert>Your card was declined\.<', page)
    status, _, page = _submit(session.url + "/payment_method", "4242424242424242", exp="01 / 20")
    assert status == 200 and "expiration year is in the past" in page
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "past_due"
    assert stripe_client.v1.customers.retrieve(customer).invoice_settings.default_payment_method \
        is None
    assert len(stripe_double.events()) == before


def test_a_card_that_cannot_pay_is_saved_but_the_invoice_stays_open(
    stripe_double, stripe_client
) -> None:
    customer, sub_id = _past_due(stripe_double, stripe_client)
    session = _portal(stripe_client, customer)  # no flow: from the homepage's link
    status, location, _ = _submit(session.url + "/payment_method", "4000 0000 0000 0341")
    assert (status, location) == (303, f"/p/session/{session.id}?done=invoice_unpaid")
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "past_due"
    failures = stripe_double.events("invoice.payment_failed")
    assert sorted(e["data"]["object"]["attempt_count"] for e in failures) == [1, 2]
    assert "could not be paid" in _get(stripe_double.url + location)


def test_hosted_confirmation_shows_the_custom_message(stripe_double, stripe_client) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    session = _portal(stripe_client, customer, flow_data={**FLOW, "after_completion": {
        "type": "hosted_confirmation",
        "hosted_confirmation": {"custom_message": "Thanks, you are all set."}}})
    status, _, page = _submit(session.url + "/payment_method", "5555 5555 5555 4444")
    assert status == 200 and "Thanks, you are all set." in page
    assert "Return to the site" in page


def test_the_homepage_lists_invoices_and_offers_the_card_form(
    stripe_double, stripe_client
) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    page = _get(_portal(stripe_client, customer).url)
    assert "Visa •••• 0341" in page and "/payment_method\">Update payment method" in page
    invoices = stripe_client.v1.invoices.list(params={"customer": customer}).data
    assert len(invoices) == 2
    for invoice in invoices:
        row = re.search(rf'<tr data-invoice="{invoice.id}">(.*?)</tr>', page)
        assert row and invoice.number in row[1] and "¥980" in row[1]
    assert re.search(r"<td>Open</td>", page) and re.search(r"<td>Paid</td>", page)


def test_without_the_features_the_page_offers_neither(stripe_double, stripe_client) -> None:
    customer, _ = _past_due(stripe_double, stripe_client)
    bare = stripe_client.v1.billing_portal.configurations.create(params={
        "features": {"subscription_cancel": {"enabled": True, "mode": "at_period_end"}}})
    session = stripe_client.v1.billing_portal.sessions.create(params={
        "customer": customer, "configuration": bare.id})  # fmt: skip
    page = _get(session.url)
    assert "Invoice history" not in page and "Update payment method" not in page
    status, _, _ = _submit(session.url + "/payment_method", "4242424242424242")
    assert status == 403
