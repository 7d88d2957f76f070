"""The official SDK talks to the double: encoding, lists, expand, idempotency, auth, errors."""

from __future__ import annotations

import json

import pytest
import requests
import stripe

from sandbox.stripe_double.formdata import parse_form
from sandbox.stripe_double.templates import template

from .helpers import new_session, pro_price_id


def test_prices_by_lookup_key_with_product_expanded(stripe_client: stripe.StripeClient) -> None:
    prices = stripe_client.v1.prices.list(
        params={"lookup_keys": ["FMMailPro", "nope"], "expand": ["data.product"]}
    )
    assert len(prices.data) == 1
    price = prices.data[0]
    assert (price.unit_amount, price.currency, price.lookup_key) == (980, "jpy", "FMMailPro")
    assert price.recurring.interval == "month"
    assert price.product.name == "FM Mail PRO"


def test_create_product_and_price_then_lookup_key_is_unique(
    stripe_client: stripe.StripeClient,
) -> None:
    product = stripe_client.v1.products.create(params={"name": "FM Mail TEAM"})
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "unit_amount": 5000, "currency": "jpy",
                "recurring": {"interval": "month"}, "lookup_key": "FMMailTeam"}
    )
    assert stripe_client.v1.prices.retrieve(price.id).product == product.id
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.prices.create(
            params={"product": product.id, "unit_amount": 1, "currency": "jpy",
                    "lookup_key": "FMMailTeam"}
        )
    assert err.value.http_status == 400
    assert err.value.param == "lookup_key"


def test_list_pagination_has_more_and_starting_after(stripe_client: stripe.StripeClient) -> None:
    ids = [stripe_client.v1.customers.create(params={"email": f"c{i}@x.io"}).id for i in range(5)]
    first = stripe_client.v1.customers.list(params={"limit": 2})
    assert first.has_more is True
    assert [c.id for c in first.data] == ids[::-1][:2]  # newest first, like Stripe
    after = first.data[-1].id
    rest = stripe_client.v1.customers.list(params={"limit": 10, "starting_after": after})
    assert [c.id for c in rest.data] == ids[::-1][2:]
    assert rest.has_more is False
    assert [c.id for c in first.auto_paging_iter()] == ids[::-1]


def test_customer_create_retrieve_update(stripe_client: stripe.StripeClient) -> None:
    cus = stripe_client.v1.customers.create(params={"email": "a@b.io", "metadata": {"user": "u1"}})
    assert cus.id.startswith("cus_")
    updated = stripe_client.v1.customers.update(cus.id, params={"name": "Ada"})
    again = stripe_client.v1.customers.retrieve(cus.id)
    assert (updated.name, again.name, again.email, again.metadata["user"]) == (
        "Ada", "Ada", "a@b.io", "u1")


def test_idempotency_key_replays_the_first_response(stripe_double, stripe_client) -> None:
    opts = {"idempotency_key": "same-key-1"}
    first = stripe_client.v1.customers.create(params={"email": "i@x.io"}, options=opts)
    second = stripe_client.v1.customers.create(params={"email": "i@x.io"}, options=opts)
    assert first.id == second.id
    assert len(stripe_double.events("customer.created")) == 1
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.customers.create(params={"email": "other@x.io"}, options=opts)
    resp = requests.post(f"{stripe_double.url}/v1/customers", data={"email": "i@x.io"},
                         headers={"Authorization": f"Bearer {stripe_double.api_key}",
                                  "Idempotency-Key": "same-key-1"}, timeout=5)
    assert resp.headers["Idempotent-Replayed"] == "true"
    assert resp.json()["id"] == first.id


def test_bad_or_missing_key_gets_401(stripe_double) -> None:
    bad = stripe.StripeClient("sk_test_wrong_key_123456", base_addresses={"api": stripe_double.url},
                              max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as err:
        bad.v1.customers.list()
    assert err.value.http_status == 401
    resp = requests.get(f"{stripe_double.url}/v1/customers", timeout=5)
    assert resp.status_code == 401
    assert resp.json()["error"]["type"] == "invalid_request_error"


def test_errors_are_stripe_shaped(stripe_double, stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.subscriptions.retrieve("sub_doesnotexist")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as no_url:
        stripe_client.v1.checkout.sessions.create(
            params={"mode": "subscription",
                    "line_items": [{"price": pro_price_id(stripe_client), "quantity": 1}]})
    assert (no_url.value.http_status, no_url.value.param) == (400, "success_url")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        stripe_client.v1.customers.create(params={"emial": "typo@x.io"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.param == "emial"
    with pytest.raises(stripe.InvalidRequestError) as both:
        new_session(stripe_client, customer="cus_x", customer_email="a@b.io")
    assert both.value.param in ("customer", "customer_email")
    resp = requests.get(f"{stripe_double.url}/v1/nothing/here",
                        headers={"Authorization": f"Bearer {stripe_double.api_key}"}, timeout=5)
    assert resp.status_code == 404
    assert resp.json()["error"]["type"] == "invalid_request_error"


def test_expand_of_a_field_that_is_not_an_id_is_refused(stripe_client) -> None:
    session = new_session(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as err:
        stripe_client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["mode"]})
    assert err.value.param == "expand"


def test_webhook_endpoint_create_returns_signing_secret_once(stripe_client) -> None:
    we = stripe_client.v1.webhook_endpoints.create(
        params={"url": "http://127.0.0.1:9/hook", "enabled_events": ["invoice.paid"]})
    assert we.secret.startswith("whsec_")
    assert "secret" not in stripe_client.v1.webhook_endpoints.retrieve(we.id)


def test_objects_have_exactly_the_fixture_fields(stripe_double, stripe_client) -> None:
    session = new_session(stripe_client)
    stripe_double.pay_checkout_session(session.id)
    done = stripe_client.v1.checkout.sessions.retrieve(session.id)
    sub = stripe_client.v1.subscriptions.retrieve(done.subscription)
    portal = stripe_client.v1.billing_portal.sessions.create(params={"customer": done.customer})
    pairs = [
        (done, "checkout.session"), (sub, "subscription"), (portal, "billing_portal.session"),
        (stripe_client.v1.invoices.retrieve(done.invoice), "invoice"),
        (stripe_client.v1.customers.retrieve(done.customer), "customer"),
        (stripe_client.v1.prices.retrieve(pro_price_id(stripe_client)), "price"),
        (stripe_double.events()[0], "event"),
    ]
    for obj, kind in pairs:
        data = obj if isinstance(obj, dict) else obj.to_dict()
        assert set(data) == set(template(kind)), kind
        # No example id from the fixture file may leak into a returned object.
        assert "B7WZ01zgkW" not in json.dumps(data, default=str), kind
    item = sub["items"].data[0].to_dict()
    assert set(item) == set(template("subscription")["items"]["data"][0])


def test_form_parser_builds_nested_dicts_and_lists() -> None:
    parsed = parse_form(
        "line_items[0][price]=p1&line_items[0][quantity]=2&line_items[1][price]=p2"
        "&expand[]=a&expand[]=b&lookup_keys[0]=k&metadata[user]=u%20x"
    )
    assert parsed == {
        "line_items": [{"price": "p1", "quantity": "2"}, {"price": "p2"}],
        "expand": ["a", "b"], "lookup_keys": ["k"], "metadata": {"user": "u x"},
    }


def test_concurrent_creates_with_one_idempotency_key_make_one_customer(stripe_double) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from ..fixtures.stripe_double import client_for

    def create(_: int) -> str:
        client = client_for(stripe_double)  # one client per thread, like separate Lambdas
        return client.v1.customers.create(params={"email": "race@x.io"},
                                          options={"idempotency_key": "race-1"}).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(create, range(16)))
    assert len(ids) == 1
    assert len(stripe_double.events("customer.created")) == 1
