"""Click through the hosted checkout and portal pages in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from ..fixtures.loopback import serve_loopback
from .helpers import pro_price_id

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def site() -> Iterator[str]:
    """Stands in for the web console: every path answers with a page naming that path."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = f"<!doctype html><title>site</title><h1>Landed on {self.path}</h1>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_loopback(Handler) as base_url:
        yield base_url


@pytest.mark.browser
def test_checkout_and_portal_in_chromium(stripe_double, stripe_client, site) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    session = stripe_client.v1.checkout.sessions.create(params={
        "mode": "subscription", "customer_email": "buyer@example.com",
        "line_items": [{"price": pro_price_id(stripe_client), "quantity": 1}],
        "success_url": f"{site}/upgrade/thanks?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{site}/upgrade/canceled",
    })
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        # Nothing may be fetched from outside the double and the local site.
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "data:"))
                else outside.append(r.url))
        page.set_default_timeout(15_000)

        page.goto(session.url)
        expect(page.get_by_role("heading", name="Subscribe to FM Mail PRO")).to_be_visible()
        expect(page.get_by_text("¥980 per month")).to_be_visible()
        page.screenshot(path=str(SHOTS / "checkout.png"), full_page=True)

        page.get_by_label("Card number").fill("4000 0000 0000 0002")
        page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
        page.get_by_label("CVC").fill("123")
        page.get_by_role("button", name="Subscribe").click()
        expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
        assert page.url.startswith(stripe_double.url)
        page.screenshot(path=str(SHOTS / "checkout-declined.png"), full_page=True)

        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("CVC").fill("123")
        page.get_by_label("CVC").press("Enter")  # the form works from the keyboard
        page.wait_for_url(f"{site}/upgrade/thanks?session_id={session.id}")
        paid = stripe_client.v1.checkout.sessions.retrieve(session.id)
        assert paid.status == "complete"

        portal = stripe_client.v1.billing_portal.sessions.create(
            params={"customer": paid.customer, "return_url": f"{site}/upgrade"})
        page.goto(portal.url)
        page.screenshot(path=str(SHOTS / "portal.png"), full_page=True)
        page.get_by_role("button", name="Cancel at period end").click()
        expect(page.get_by_text("Cancels on")).to_be_visible()
        assert stripe_client.v1.subscriptions.retrieve(paid.subscription).cancel_at_period_end
        page.screenshot(path=str(SHOTS / "portal-canceling.png"), full_page=True)
        page.get_by_role("button", name="Resume subscription").click()
        expect(page.get_by_text("Renews on")).to_be_visible()
        sub = stripe_client.v1.subscriptions.retrieve(paid.subscription)
        assert sub.cancel_at_period_end is False
        expect(page.get_by_role("button", name="Cancel now")).to_have_count(0)
        # A portal configured to cancel immediately offers that instead.
        immediate = stripe_client.v1.billing_portal.configurations.create(params={
            "features": {"subscription_cancel": {"enabled": True, "mode": "immediately"}}})
        portal = stripe_client.v1.billing_portal.sessions.create(params={
            "customer": paid.customer, "return_url": f"{site}/upgrade",
            "configuration": immediate.id})
        page.goto(portal.url)
        expect(page.get_by_role("button", name="Cancel at period end")).to_have_count(0)
        page.get_by_role("button", name="Cancel now").click()
        expect(page.get_by_text("Canceled on")).to_be_visible()
        assert stripe_client.v1.subscriptions.retrieve(paid.subscription).status == "canceled"
        page.get_by_role("link", name="Return to the site").click()
        page.wait_for_url(f"{site}/upgrade")

        other = stripe_client.v1.checkout.sessions.create(params={
            "mode": "subscription", "customer_email": "b@example.com",
            "line_items": [{"price": pro_price_id(stripe_client), "quantity": 1}],
            "success_url": f"{site}/ok", "cancel_url": f"{site}/upgrade/canceled"})
        page.goto(other.url)
        page.get_by_role("link", name="Cancel and go back").click()
        page.wait_for_url(f"{site}/upgrade/canceled")
        browser.close()
    assert outside == []
    types = [e["type"] for e in stripe_double.events()]
    assert types[-3:] == ["customer.subscription.updated", "customer.subscription.updated",
                          "customer.subscription.deleted"]
