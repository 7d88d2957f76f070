"""The seed's flow in headless Chromium against the running sandbox: sign up, FREE key,
429 at the FREE quota, a declined card, PRO through Checkout, the same key passing again,
cancel in the portal at the period's end, back to FREE after it; then the demo user signs
in."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from sandbox.run import Sandbox

from .conftest import FREE_QUOTA, SHOTS

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WAIT_MS = 120_000  # generous: a Lambda's first call in ministack starts a worker process


def pay(page, card: str) -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Subscribe").click()


def list_messages(page, expected: str) -> None:
    page.get_by_role("button", name="List messages").click()
    from playwright.sync_api import expect

    expect(page.locator("#try-status")).to_contain_text(expected)


@pytest.mark.browser
def test_console_journey(sandbox: Sandbox) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (bin/setup installs it)")
    if sandbox.mailbox is None:
        pytest.skip("dovecot is not installed: no demo mailbox to call (bin/setup installs it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    try:
        journey(sandbox, expect, sync_playwright)
    finally:
        expect.set_options(timeout=None)  # the process-wide default, for later tests


def journey(sandbox: Sandbox, expect, sync_playwright) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    web, stripe = sandbox.web_url, sandbox.stripe.url

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith((web, stripe, "data:"))
                else outside.append(r.url))  # fmt: skip
        # A request the console's Content-Security-Policy refused counts as a stray too.
        page.on("console", lambda m: outside.append(m.text)
                if "Content Security Policy" in m.text else None)  # fmt: skip

        # Sign up: the sandbox confirms the account, the console signs in and issues a key.
        page.goto(web + "/")
        page.wait_for_url(f"{web}/signin/")
        expect(page.get_by_role("heading", name="Create an account", exact=True)).to_be_visible()
        shot("01-signin")
        email = f"e2e-{secrets.token_hex(4)}@example.com"
        page.locator("#sign-up-email").fill(email)
        page.locator("#sign-up-password").fill("E2e-Password-2026")
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(f"{web}/account/")
        expect(page.locator("#plan-name")).to_have_text("FREE")
        key_input = page.get_by_label("API key (send it as the x-api-key header)")
        expect(key_input).to_have_value(re.compile(r"\S{20,}"))
        key = key_input.input_value()
        page.get_by_role("button", name="Show").click()
        expect(key_input).to_have_attribute("type", "text")

        # The product API with that key, against the demo mailbox, until the quota runs out.
        expect(page.locator("#imap-port")).to_have_value(str(sandbox.mailbox.port))
        for _ in range(FREE_QUOTA):
            list_messages(page, "HTTP 200: 3 messages")
        expect(page.locator("#try-messages .attachment", has_text="invoice.pdf")).to_be_visible()
        shot("02-account-free")
        list_messages(page, "HTTP 429")
        shot("03-account-429")

        # A declined card leaves the user on FREE (and "Cancel and go back" lands on canceled).
        page.get_by_role("link", name="Plans", exact=True).click()
        page.wait_for_url(f"{web}/upgrade/")
        expect(page.locator("#current-plan")).to_have_text("FREE")
        expect(page.get_by_text("¥980 a month")).to_be_visible()
        expect(page.get_by_text("100,000 calls a month")).to_be_visible()
        shot("04-upgrade-free")
        page.get_by_role("button", name="Upgrade to PRO").click()
        page.wait_for_url(re.compile(re.escape(stripe) + r"/c/pay/"))
        pay(page, "4000 0000 0000 0002")
        expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
        shot("05-checkout-declined")
        page.get_by_role("link", name="Cancel and go back").click()
        page.wait_for_url(f"{web}/upgrade/canceled")
        expect(page.locator("#canceled-plan")).to_have_text("FREE")
        shot("06-canceled")

        # Pay with 4242: the thanks page turns PRO; the same key now passes.
        page.get_by_role("link", name="Back to plans").click()
        page.get_by_role("button", name="Upgrade to PRO").click()
        page.wait_for_url(re.compile(re.escape(stripe) + r"/c/pay/"))
        shot("07-checkout")
        pay(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(re.escape(web) + r"/upgrade/thanks\?session_id=cs_"))
        expect(page.locator("#thanks-plan")).to_have_text("PRO")
        expect(page.locator("#thanks-status")).to_contain_text("you are on PRO")
        shot("08-thanks-pro")
        page.get_by_role("link", name="Go to your API key").click()
        expect(page.locator("#plan-name")).to_have_text("PRO")
        expect(key_input).to_have_value(key)
        list_messages(page, "HTTP 200: 3 messages")
        shot("09-account-pro")

        # The portal the program configured cancels at the period's end: PRO stays until
        # then; once the period is over the plan returns to FREE.
        page.get_by_role("link", name="Plans", exact=True).click()
        expect(page.locator("#current-plan")).to_have_text("PRO")
        shot("10-upgrade-pro")
        page.get_by_role("button", name="Open billing portal").click()
        page.wait_for_url(re.compile(re.escape(stripe) + r"/p/session/"))
        expect(page.get_by_role("button", name="Cancel now")).to_have_count(0)
        page.get_by_role("button", name="Cancel at period end").click()
        expect(page.get_by_text("Cancels on")).to_be_visible()
        shot("11-portal-canceling")
        page.get_by_role("link", name="Return to the site").click()
        page.wait_for_url(f"{web}/upgrade")
        expect(page.locator("#current-plan")).to_have_text("PRO")
        sandbox.stripe.advance_clock(32 * 86400)  # past the paid period
        assert sandbox.stripe.wait_for_deliveries(60)
        page.reload()
        expect(page.locator("#current-plan")).to_have_text("FREE")
        expect(page.get_by_role("button", name="Upgrade to PRO")).to_be_visible()
        shot("12-upgrade-free-again")

        # Sign out; the demo user the sandbox printed signs in with the sign-in form.
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{web}/signin/")
        page.locator("#sign-in-email").fill(sandbox.demo_user.email)
        page.locator("#sign-in-password").fill(sandbox.demo_user.password)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(f"{web}/account/")
        expect(page.locator("#plan-name")).to_have_text("FREE")
        expect(page.locator("#signed-in-as")).to_have_text(sandbox.demo_user.email)
        shot("13-demo-user")
        # Rotation: a new value at once, after a second confirming click.
        demo_key = key_input.input_value()
        page.get_by_role("button", name="Rotate key").click()
        page.get_by_role("button", name="Yes, rotate now").click()
        expect(page.locator("#key-message")).to_contain_text("New key issued")
        assert key_input.input_value() not in ("", demo_key)
        shot("14-key-rotated")
        browser.close()
    assert outside == []
