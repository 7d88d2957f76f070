"""What a deploy creates in the double: portal configurations the portal obeys, webhook
endpoints that can be updated or disabled, and prices that hand over their lookup key."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
import stripe

from sandbox.stripe_double.store import API_VERSION

from .helpers import new_session

PROGRAM_PORTAL = {
    "business_profile": {"headline": "FM Mail: manage your subscription"},
    "default_return_url": "https://app.example.com/upgrade",
    "features": {
        "subscription_cancel": {"enabled": True, "mode": "at_period_end",
                                "proration_behavior": "none"},
        "payment_method_update": {"enabled": True},
        "invoice_history": {"enabled": True},
    },
}  # fmt: skip


def _paid_customer(double, client) -> tuple[str, str]:
    paid = double.pay_checkout_session(new_session(client).id)
    return paid["customer"], paid["subscription"]


def _post(url: str) -> int:
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_configuration_is_stored_as_given_and_listed(stripe_client) -> None:
    created = stripe_client.v1.billing_portal.configurations.create(params=PROGRAM_PORTAL)
    assert created.id.startswith("bpc_") and created.active and created.is_default
    got = stripe_client.v1.billing_portal.configurations.retrieve(created.id).to_dict()
    assert got["features"]["subscription_cancel"]["mode"] == "at_period_end"
    assert got["features"]["payment_method_update"]["enabled"] is True
    assert got["features"]["invoice_history"]["enabled"] is True
    assert got["features"]["customer_update"]["enabled"] is False
    assert got["business_profile"]["headline"] == "FM Mail: manage your subscription"
    assert got["default_return_url"] == "https://app.example.com/upgrade"
    listed = stripe_client.v1.billing_portal.configurations.list(params={"active": True})
    assert [c.id for c in listed.data] == [created.id]


@pytest.mark.parametrize("features, param", [
    ({"subscription_cancel": {"enabled": True, "mode": "whenever"}}, "mode"),
    ({"subscription_pause": {"enabled": True}}, "subscription_pause"),
    ({"invoice_history": {"enabled": True, "colour": "red"}}, "colour"),
])  # fmt: skip
def test_a_bad_configuration_is_refused_by_name(stripe_client, features, param) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.billing_portal.configurations.create(params={"features": features})
    assert param in (error.value.param or "")
    assert stripe_client.v1.billing_portal.configurations.list().data == []


def test_a_session_uses_its_configuration_and_its_default_return_url(
    stripe_double, stripe_client
) -> None:
    config = stripe_client.v1.billing_portal.configurations.create(params=PROGRAM_PORTAL)
    customer, _ = _paid_customer(stripe_double, stripe_client)
    session = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": customer, "configuration": config.id})
    assert session.configuration == config.id
    assert session.return_url == "https://app.example.com/upgrade"


def test_unknown_or_inactive_configurations_are_refused(stripe_double, stripe_client) -> None:
    customer, _ = _paid_customer(stripe_double, stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.billing_portal.sessions.create(
            params={"customer": customer, "configuration": "bpc_nothing"})
    assert error.value.code == "resource_missing"
    config = stripe_client.v1.billing_portal.configurations.create(params=PROGRAM_PORTAL)
    stripe_client.v1.billing_portal.configurations.update(config.id, params={"active": False})
    with pytest.raises(stripe.InvalidRequestError, match="not active"):
        stripe_client.v1.billing_portal.sessions.create(
            params={"customer": customer, "configuration": config.id})


def test_a_session_without_configuration_gets_the_default(stripe_double, stripe_client) -> None:
    customer, _ = _paid_customer(stripe_double, stripe_client)
    session = stripe_client.v1.billing_portal.sessions.create(params={"customer": customer})
    default = stripe_client.v1.billing_portal.configurations.retrieve(session.configuration)
    assert default.is_default and default.features.subscription_cancel.mode == "at_period_end"


def test_the_portal_page_refuses_a_cancellation_its_configuration_does_not_offer(
    stripe_double, stripe_client
) -> None:
    config = stripe_client.v1.billing_portal.configurations.create(params=PROGRAM_PORTAL)
    customer, sub_id = _paid_customer(stripe_double, stripe_client)
    session = stripe_client.v1.billing_portal.sessions.create(
        params={"customer": customer, "configuration": config.id})
    assert _post(f"{session.url}/subscriptions/{sub_id}/cancel_now") == 403
    assert stripe_client.v1.subscriptions.retrieve(sub_id).status == "active"
    with urllib.request.urlopen(session.url, timeout=5) as page:
        html = page.read().decode()
    assert "Cancel at period end" in html and "Cancel now" not in html
    assert "FM Mail: manage your subscription" in html  # the configuration's headline
    assert _post(f"{session.url}/subscriptions/{sub_id}/cancel_at_period_end") == 200
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    assert sub.status == "active" and sub.cancel_at_period_end is True


def test_an_endpoint_moves_to_a_new_url_and_keeps_its_secret(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    endpoint = stripe_client.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/gone", "enabled_events": ["customer.created"],
        "api_version": API_VERSION})  # fmt: skip
    assert endpoint.api_version == API_VERSION and endpoint.secret.startswith("whsec_")
    moved = stripe_client.v1.webhook_endpoints.update(
        endpoint.id, params={"url": webhook_receiver.url})
    assert moved.url == webhook_receiver.url and "secret" not in moved
    stripe_client.v1.customers.create(params={"email": "a@example.com"})
    assert stripe_double.wait_for_deliveries(10)
    [received] = webhook_receiver.received
    event = stripe.Webhook.construct_event(
        received.body, received.headers["Stripe-Signature"], endpoint.secret)
    assert event.type == "customer.created"
    assert [d["url"] for d in stripe_double.deliveries()] == [webhook_receiver.url]


def test_a_disabled_endpoint_receives_nothing(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    endpoint = stripe_client.v1.webhook_endpoints.create(
        params={"url": webhook_receiver.url, "enabled_events": ["customer.created"]})
    stripe_client.v1.webhook_endpoints.update(endpoint.id, params={"disabled": True})
    stripe_client.v1.customers.create(params={"email": "a@example.com"})
    assert stripe_double.wait_for_deliveries(5)
    assert webhook_receiver.received == [] and stripe_double.deliveries() == []


def test_an_api_version_the_double_does_not_speak_is_refused(stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.webhook_endpoints.create(params={
            "url": "https://example.com/hook", "enabled_events": ["*"],
            "api_version": "2020-08-27"})  # fmt: skip
    assert error.value.param == "api_version"


def test_a_new_price_takes_the_lookup_key_over(stripe_client) -> None:
    old = stripe_client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]}).data[0]
    new = stripe_client.v1.prices.create(params={
        "product": old.product, "currency": "jpy", "unit_amount": 1200,
        "recurring": {"interval": "month"}, "lookup_key": "FMMailPro",
        "transfer_lookup_key": True})  # fmt: skip
    [found] = stripe_client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]}).data
    assert found.id == new.id and found.unit_amount == 1200
    assert stripe_client.v1.prices.retrieve(old.id).lookup_key is None
    with pytest.raises(stripe.InvalidRequestError, match="already uses that lookup key"):
        stripe_client.v1.prices.create(params={
            "product": old.product, "currency": "jpy", "unit_amount": 1500,
            "recurring": {"interval": "month"}, "lookup_key": "FMMailPro"})  # fmt: skip
