"""The /_double control endpoints other processes (the sandbox) drive the double with."""

from __future__ import annotations

import requests

from .helpers import new_session


def _post(double, path: str, **data: str) -> requests.Response:
    return requests.post(double.url + path, data=data, timeout=5,
                         headers={"Authorization": f"Bearer {double.api_key}"})


def test_pay_advance_and_delivery_controls_over_http(
    stripe_double, stripe_client, webhook_receiver
) -> None:
    assert requests.get(stripe_double.url + "/_double/health", timeout=5).json() == {"ok": True}
    stripe_double.add_webhook_endpoint(webhook_receiver.url, events=["invoice.paid"])
    assert _post(stripe_double, "/_double/deliveries/settings", duplicate="true").ok
    session = new_session(stripe_client)
    declined = _post(stripe_double, f"/_double/checkout/sessions/{session.id}/pay",
                     card="4000000000000002")
    assert declined.status_code == 402
    assert declined.json()["error"]["decline_code"] == "generic_decline"
    paid = _post(stripe_double, f"/_double/checkout/sessions/{session.id}/pay",
                 card="4242424242424242")
    assert paid.json()["status"] == "complete"
    before = requests.get(stripe_double.url + "/_double/clock", timeout=5,
                          headers={"Authorization": f"Bearer {stripe_double.api_key}"})
    assert before.status_code == 200
    now = _post(stripe_double, "/_double/clock/advance", seconds=str(40 * 86400)).json()["now"]
    assert now >= before.json()["now"] + 40 * 86400
    assert _post(stripe_double, "/_double/deliveries/wait", timeout="10").json() == {
        "settled": True}
    log = requests.get(stripe_double.url + "/_double/deliveries", timeout=5,
                       headers={"Authorization": f"Bearer {stripe_double.api_key}"}).json()
    assert [d["type"] for d in log["data"]] == ["invoice.paid"] * 4  # two invoices, twice each
    assert _post(stripe_double, "/_double/reset").ok
    assert stripe_client.v1.customers.list().data == []
    assert stripe_double.deliveries() == []


def test_controls_need_the_key(stripe_double) -> None:
    resp = requests.post(stripe_double.url + "/_double/reset", timeout=5)
    assert resp.status_code == 401
