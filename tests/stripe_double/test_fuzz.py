"""Bad input never yields a 500 or a traceback: it yields a Stripe error object."""

from __future__ import annotations

import re

import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sandbox.stripe_double.errors import StripeError
from sandbox.stripe_double.formdata import parse_form

KEYS = st.sampled_from([
    "mode", "line_items[0][price]", "line_items[0][quantity]", "line_items[][price]",
    "success_url", "customer", "customer_email", "metadata[a]", "metadata", "expand[]",
    "expand[0]", "lookup_keys[]", "limit", "starting_after", "cancel_at_period_end",
    "frozen_time", "email", "recurring[interval]", "unit_amount", "currency", "a[b][c][d]",
    "line_items[99999][price]", "[", "]", "a]b[", "x[0]", "x[a]",
])
VALUES = st.one_of(st.text(max_size=20), st.sampled_from(["subscription", "true", "-1", "0",
                                                          "99999999999999999999", ""]))
BODY = st.one_of(
    st.lists(st.tuples(KEYS, VALUES), max_size=8).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs)),
    st.text(max_size=60),
)
ROUTES = ["/v1/checkout/sessions", "/v1/customers", "/v1/prices", "/v1/products",
          "/v1/subscriptions/sub_x", "/v1/webhook_endpoints", "/v1/billing_portal/sessions",
          "/v1/test_helpers/test_clocks", "/v1/prices?"]


@example("a[\u00b2]=1")  # a non-ASCII digit once crashed the list-index parsing
@given(st.text(max_size=200))
def test_parser_only_ever_raises_stripe_errors(body: str) -> None:
    try:
        parsed = parse_form(body)
    except StripeError as err:
        assert err.status == 400
    else:
        assert isinstance(parsed, dict)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=BODY, method=st.sampled_from(["POST", "GET"]))
def test_api_answers_bad_input_with_stripe_errors(stripe_double, route, body, method) -> None:
    headers = {"Authorization": f"Bearer {stripe_double.api_key}",
               "Content-Type": "application/x-www-form-urlencoded"}
    if method == "POST":
        resp = requests.post(stripe_double.url + route, data=body.encode(), headers=headers,
                             timeout=5)
    else:
        resp = requests.get(f"{stripe_double.url}{route}?{body}", headers=headers, timeout=5)
    assert resp.status_code < 500, resp.text
    payload = resp.json()
    if resp.status_code >= 400:
        assert payload["error"]["type"] in ("invalid_request_error", "card_error",
                                            "idempotency_error")
        assert payload["error"]["message"]


def test_pages_and_controls_reject_garbage_without_500(stripe_double) -> None:
    auth = {"Authorization": f"Bearer {stripe_double.api_key}"}
    for method, path, data in [
        ("POST", "/c/pay/cs_test_nope", "cardnumber=4242"),
        ("GET", "/p/session/bps_nope", ""),
        ("POST", "/p/session/bps_x/subscriptions/sub_y/cancel_now", ""),
        ("POST", "/_double/clock/advance", "seconds=abc"),
        ("POST", "/_double/deliveries/settings", "backoff=-5"),
        ("POST", "/_double/deliveries/settings", "order=sideways"),
        ("POST", "/_double/deliveries/settings", "order[a]=x"),
        ("POST", "/_double/clock/advance", "seconds[a]=1"),
        ("POST", "/_double/clock/advance", "to=99999999999999999999"),
        ("POST", "/_double/checkout/sessions/cs_test_nope/pay", ""),
        ("GET", "/%ff%fe", ""),
        ("POST", "/_double/checkout/sessions/cs_test_x/pay", "card=424242424242424\u00b2"),
    ]:
        resp = requests.request(method, stripe_double.url + path, data=data, headers=auth,
                                timeout=5)
        assert 400 <= resp.status_code < 500, (path, resp.status_code)
        assert "Traceback" not in resp.text
    from ..fixtures.stripe_double import client_for
    from .helpers import new_session

    session = new_session(client_for(stripe_double))
    resp = requests.post(f"{stripe_double.url}/_double/checkout/sessions/{session.id}/pay",
                         data="email[a]=x", headers=auth, timeout=5)
    assert resp.status_code == 400, resp.text


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(card=st.one_of(st.text(max_size=20), st.sampled_from(["4242424242424242", "4242 4242"])),
       exp=st.text(max_size=8), cvc=st.text(max_size=5), email=st.text(max_size=12))
def test_checkout_page_answers_any_form_with_a_page(stripe_double, card, exp, cvc, email) -> None:
    from ..fixtures.stripe_double import client_for
    from .helpers import new_session

    session = new_session(client_for(stripe_double))
    resp = requests.post(session.url, data={"cardnumber": card, "exp": exp, "cvc": cvc,
                                            "email": email}, allow_redirects=False, timeout=5)
    assert resp.status_code in (200, 303)
    if resp.status_code == 200:
        # Staying on the page always comes with a visible reason.
        assert re.search(r"role=alert>[^<]+</div>", resp.text) and "Traceback" not in resp.text
