"""The seed's flow in headless Chromium against the running sandbox, once for a reader of
each language (locale and time zone): sign up, a key on the default plan, 429 at its
quota, a declined card, the paid plan through Checkout, the same key passing again, cancel
in the portal at the period's end, back to the default plan after it; then the demo user
signs in and rotates the key. Every page is screenshotted as <lang>-<page>.png."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from zoneinfo import ZoneInfo

import pytest

from sandbox.run import Sandbox

from .browser import ARGS, CHROMIUM, LANGUAGES, READERS, Words, new_context, require_chromium, shot
from .conftest import FREE_QUOTA

# What each reader should see, written out by hand (not computed by the console's code).
PRO_PRICE = {"en": "¥980 a month", "ja": "月額 ￥980"}
PRO_QUOTA = {"en": "100,000 calls a month", "ja": "月 100,000 回"}
FREE_PRICE = {"en": "Free", "ja": "無料"}
THREE_MESSAGES = {"en": "HTTP 200: 3 messages in", "ja": "に 3 件のメッセージ"}
# GET /account/usage as it answers on AWS (ministack lacks GetUsage, so the sandbox's route
# says 503 usage_unavailable); used once below to draw the panel with figures.
USAGE_ON_AWS = {
    "plan": "FREE", "quota": {"limit": 1000, "period": "MONTH"}, "used": 47, "remaining": 953,
    "period_start": "2026-11-01T00:00:00Z", "resets_at": "2026-12-01T00:00:00Z",
    "as_of": "2026-11-03T09:30:00Z",
    "days": [{"date": "2026-11-01", "used": 40}, {"date": "2026-11-02", "used": 2},
             {"date": "2026-11-03", "used": 5}],
}  # fmt: skip
USED_OF_LIMIT = {"en": "47 of 1,000 calls", "ja": "1,000 回中 47 回"}
# 1 December 00:00 UTC in the reader's zone: New York's evening before, Tokyo's 9 a.m.
RESETS_SHOWN = {"en": re.compile(r"^Nov 30, 2026, 7:00\sPM$"), "ja": "2026/12/01 9:00"}
FIRST_DAY = {"en": "Nov 1", "ja": "11月1日"}


def pay(page, card: str) -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Subscribe").click()


def list_messages(page, words: Words, expect, expected: str) -> None:
    page.get_by_role("button", name=words("try.send")).click()
    expect(page.locator("#try-status")).to_contain_text(expected)


def usage_with_figures(page, words: Words, expect, language: str) -> None:
    """The panel as it reads on AWS: GetUsage's figures (a stand-in answer for the route)."""
    route = "**/api/account/usage"
    page.route(route, lambda r: r.fulfill(status=200, content_type="application/json",
                                          body=json.dumps(USAGE_ON_AWS)))  # fmt: skip
    page.reload()
    expect(page.locator("#usage-used")).to_have_text(USED_OF_LIMIT[language])
    expect(page.locator("#usage-remaining")).to_have_text("953")
    expect(page.locator("#usage-resets")).to_have_text(RESETS_SHOWN[language])
    expect(page.locator("#usage-chart svg rect.bar")).to_have_count(3)
    expect(page.locator("#usage-chart svg")).to_have_attribute("role", "img")
    expect(page.locator("#usage-chart-caption")).to_contain_text(FIRST_DAY[language])
    expect(page.locator("#usage-table tbody tr")).to_have_count(3)
    expect(page.locator("#usage-message")).to_be_hidden()
    shot(page, language, "account-usage")
    page.unroute(route)
    page.reload()
    expect(page.locator("#usage-message")).to_have_text(words("usage.unavailable"))


def mail_date_shown(iso: str, language: str) -> re.Pattern[str]:
    """The mail's date in the reader's zone, as Intl's medium date and short time read."""
    when = dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(READERS[language]["timezone_id"]))
    if language == "ja":
        return re.compile(rf"^{when:%Y/%m/%d} {when.hour}:{when:%M}$")
    hour = when.hour % 12 or 12
    return re.compile(rf"^{when:%b} {when.day}, {when.year}, {hour}:{when:%M}\s{when:%p}$")


def renews_on(sandbox: Sandbox, language: str, words: Words) -> str:
    """"Renews on <date>" for the user's subscription, the date as the reader's Intl writes
    it in their zone (written out here, not taken from the console)."""
    subs = [s for s in sandbox.stripe.store.scan("subscription") if s["status"] != "canceled"]
    newest = max(subs, key=lambda s: s["created"])
    end = newest["items"]["data"][0]["current_period_end"]
    when = dt.datetime.fromtimestamp(end, ZoneInfo(READERS[language]["timezone_id"]))
    date = f"{when.year}年{when.month}月{when.day}日" if language == "ja" \
        else f"{when:%B} {when.day}, {when.year}"
    return words("billing.renewsOn", date=date)


def recover_failed_renewal(page, sandbox: Sandbox, language: str, words: Words, expect) -> None:
    """A month on, the renewal's charge fails (card 0341): the past-due banner shows on the
    key and plans pages; "Update payment method" opens the portal's payment-method flow, a
    good card pays the open invoice, and the console is back to a renewing PRO."""
    web, stripe = sandbox.web_url, sandbox.stripe.url
    sandbox.stripe.advance_clock(32 * 86400)
    assert sandbox.stripe.wait_for_deliveries(60)
    page.reload()
    banner = page.locator("#past-due-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("heading")).to_have_text(words("billing.pastDueTitle"))
    # Grace is on in the dev stack: the key keeps PRO while Stripe retries.
    expect(banner).to_contain_text(words("billing.pastDueKeeps", plan="PRO"))
    expect(page.locator("#billing-status-line")).to_have_text(words("billing.status.past_due"))
    expect(page.locator("#plan-name")).to_have_text("PRO")
    shot(page, language, "account-past-due")
    page.get_by_role("link", name=words("header.plans"), exact=True).click()
    expect(page.locator("#past-due-banner")).to_be_visible()
    expect(page.locator("#subscription-note")).to_have_text(
        words("common.parenthesised", text=words("billing.status.past_due")))
    shot(page, language, "upgrade-past-due")

    page.locator("#past-due-banner").get_by_role(
        "button", name=words("billing.updatePayment")).click()
    page.wait_for_url(re.compile(re.escape(stripe) + r"/p/session/"))
    # The deep link opens on the card form, not on the portal's homepage.
    expect(page.get_by_role("heading", name="Update payment method")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel at period end")).to_have_count(0)
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    shot(page, language, "portal-payment-method")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("CVC").fill("123")
    page.get_by_role("button", name="Save card").click()
    page.wait_for_url(f"{web}/account/?billing=payment_method_updated")
    expect(page.locator("#past-due-banner")).to_be_hidden()
    expect(page.locator("#billing-portal-message")).to_have_text(
        words("billing.recovered", plan="PRO"))
    expect(page.locator("#billing-status-line")).to_have_text(renews_on(sandbox, language, words))
    expect(page.locator("#plan-name")).to_have_text("PRO")
    shot(page, language, "account-recovered")


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_console_journey(sandbox: Sandbox, language: str, expect) -> None:
    require_chromium()
    if sandbox.mailbox is None:
        pytest.skip("dovecot is not installed: no demo mailbox to call (bin/setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            journey(sandbox, browser, language, expect)
        finally:
            browser.close()


def journey(sandbox: Sandbox, browser, language: str, expect) -> None:
    web, stripe = sandbox.web_url, sandbox.stripe.url
    words = Words(language)
    page = new_context(browser, language).new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((web, stripe, "data:"))
            else outside.append(r.url))  # fmt: skip
    # A request the console's Content-Security-Policy refused counts as a stray too.
    page.on("console", lambda m: outside.append(m.text)
            if "Content Security Policy" in m.text else None)  # fmt: skip
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign up: the sandbox confirms the account, the console signs in and issues a key.
    page.goto(web + "/")
    page.wait_for_url(f"{web}/signin/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", name=words("signin.signUp"), exact=True)).to_be_visible()
    expect(page.locator("#sign-up-hint")).to_have_text(words("signin.startingPlan", plan="FREE"))
    assert page.title() == words("title.signin")
    shot(page, language, "signin")
    email = f"e2e-{secrets.token_hex(4)}@example.com"
    page.locator("#sign-up-email").fill(email)
    page.locator("#sign-up-password").fill("E2e-Password-2026")
    page.get_by_role("button", name=words("signin.signUpButton")).click()
    page.wait_for_url(f"{web}/account/")
    expect(page.locator("#plan-name")).to_have_text("FREE")
    key_input = page.get_by_label(words("account.keyLabel"))
    expect(key_input).to_have_value(re.compile(r"\S{20,}"))
    key = key_input.input_value()
    page.get_by_role("button", name=words("account.show")).click()
    expect(key_input).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name=words("account.hide"))).to_be_visible()

    # Usage: the sandbox's emulator has no GetUsage, and the panel says so, with no number.
    expect(page.locator("#usage-message")).to_have_text(words("usage.unavailable"))
    expect(page.locator("#usage-figures")).to_be_hidden()
    shot(page, language, "account-usage-unavailable")
    usage_with_figures(page, words, expect, language)

    # The product API with that key, against the demo mailbox, until the quota runs out.
    expect(page.locator("#imap-port")).to_have_value(str(sandbox.mailbox.port))
    for _ in range(FREE_QUOTA):
        list_messages(page, words, expect, THREE_MESSAGES[language])
    expect(page.locator("#try-messages .attachment", has_text="invoice.pdf")).to_be_visible()
    # The demo mail's dates (sent at +09:00) in the reader's language and time zone.
    dates = page.locator("#try-messages time")
    expect(dates).to_have_count(3)
    for index in range(3):
        shown = dates.nth(index)
        expect(shown).to_have_text(mail_date_shown(shown.get_attribute("datetime"), language))
    shot(page, language, "account-free")
    list_messages(page, words, expect, "HTTP 429")
    expect(page.locator("#try-status")).to_contain_text(words("try.quotaHint"))
    # The quota, in its own words (not the per-second throttle); no reset time to be had here.
    expect(page.locator("#try-status")).to_contain_text(words("usage.try.quotaExceededNoReset"))
    expect(page.locator("#try-status")).to_contain_text("quota_exceeded")
    shot(page, language, "account-429")

    # A declined card leaves the user on FREE (and "Cancel and go back" lands on canceled).
    page.get_by_role("link", name=words("header.plans"), exact=True).click()
    page.wait_for_url(f"{web}/upgrade/")
    expect(page.locator("#current-plan")).to_have_text("FREE")
    pro = page.locator('.plan[data-plan="PRO"]')
    expect(pro.locator(".price")).to_have_text(PRO_PRICE[language])
    expect(pro.get_by_text(PRO_QUOTA[language])).to_be_visible()
    expect(page.locator('.plan[data-plan="FREE"] .price')).to_have_text(FREE_PRICE[language])
    expect(page.locator('.plan[data-plan="FREE"]')).to_have_attribute("aria-current", "true")
    shot(page, language, "upgrade-free")
    page.get_by_role("button", name=words("plans.upgradeTo", plan="PRO")).click()
    page.wait_for_url(re.compile(re.escape(stripe) + r"/c/pay/"))
    pay(page, "4000 0000 0000 0002")
    expect(page.get_by_role("alert")).to_have_text("Your card was declined.")
    shot(page, language, "checkout-declined")
    page.get_by_role("link", name="Cancel and go back").click()
    page.wait_for_url(f"{web}/upgrade/canceled?plan=PRO")
    expect(page.get_by_role("heading", name=words("canceled.title"))).to_be_visible()
    expect(page.locator("#canceled-plan")).to_have_text("FREE")
    retry = page.get_by_role("button", name=words("billing.retryCheckout", plan="PRO"))
    expect(retry).to_be_visible()
    shot(page, language, "canceled")

    # The canceled page starts the same plan's checkout again. 0341 pays now and fails at
    # the renewal: the thanks page turns PRO; the same key now passes.
    retry.click()
    page.wait_for_url(re.compile(re.escape(stripe) + r"/c/pay/"))
    shot(page, language, "checkout")
    pay(page, "4000 0000 0000 0341")
    page.wait_for_url(re.compile(re.escape(web) + r"/upgrade/thanks\?session_id=cs_"))
    expect(page.locator("#thanks-plan")).to_have_text("PRO")
    expect(page.locator("#thanks-status")).to_have_text(words("thanks.paid", plan="PRO"))
    shot(page, language, "thanks")
    page.get_by_role("link", name=words("thanks.toKey")).click()
    expect(page.locator("#plan-name")).to_have_text("PRO")
    expect(key_input).to_have_value(key)
    list_messages(page, words, expect, THREE_MESSAGES[language])
    expect(page.locator("#billing-status-line")).to_have_text(renews_on(sandbox, language, words))
    shot(page, language, "account-pro")

    recover_failed_renewal(page, sandbox, language, words, expect)

    # The portal the program configured cancels at the period's end: PRO stays until
    # then; once the period is over the plan returns to FREE.
    page.get_by_role("link", name=words("header.plans"), exact=True).click()
    expect(page.locator("#current-plan")).to_have_text("PRO")
    expect(pro).to_have_attribute("aria-current", "true")
    expect(pro.locator(".badge")).to_have_text(words("plans.current"))
    expect(page.locator("#plans button:visible")).to_have_count(1)  # the portal, no upgrade
    # Where cancellation is offered: what it does to the plan and the money.
    expect(pro.locator(".cancellation")).to_have_text(
        f'{words("billing.cancel.at_period_end", plan="PRO")} {words("billing.noRefund")}')
    expect(page.locator("#subscription-note")).to_contain_text(words.pattern("billing.renewsOn"))
    shot(page, language, "upgrade-pro")
    page.get_by_role("button", name=words("plans.portal")).click()
    page.wait_for_url(re.compile(re.escape(stripe) + r"/p/session/"))
    expect(page.get_by_role("button", name="Cancel now")).to_have_count(0)
    page.get_by_role("button", name="Cancel at period end").click()
    expect(page.get_by_text("Cancels on")).to_be_visible()
    shot(page, language, "portal")
    page.get_by_role("link", name="Return to the site").click()
    page.wait_for_url(f"{web}/upgrade")
    expect(page.locator("#current-plan")).to_have_text("PRO")
    expect(page.locator("#subscription-note")).to_contain_text(words.pattern("billing.cancelsOn"))
    shot(page, language, "upgrade-canceling")
    sandbox.stripe.advance_clock(32 * 86400)  # past the paid period
    assert sandbox.stripe.wait_for_deliveries(60)
    page.reload()
    expect(page.locator("#current-plan")).to_have_text("FREE")
    expect(page.get_by_role("button", name=words("plans.upgradeTo", plan="PRO"))).to_be_visible()
    shot(page, language, "upgrade-free-again")

    # Sign out; the demo user the sandbox printed signs in with the sign-in form.
    page.get_by_role("button", name=words("header.signOut")).click()
    page.wait_for_url(f"{web}/signin/")
    page.locator("#sign-in-email").fill(sandbox.demo_user.email)
    page.locator("#sign-in-password").fill(sandbox.demo_user.password)
    page.get_by_role("button", name=words("signin.signInButton"), exact=True).click()
    page.wait_for_url(f"{web}/account/")
    expect(page.locator("#plan-name")).to_have_text("FREE")
    expect(page.locator("#signed-in-as")).to_have_text(sandbox.demo_user.email)
    # Rotation: a new value at once, after a second confirming click.
    demo_key = key_input.input_value()
    page.get_by_role("button", name=words("account.rotate")).click()
    shot(page, language, "account-rotate-confirm")
    page.get_by_role("button", name=words("account.rotateYes")).click()
    expect(page.locator("#key-message")).to_have_text(words("account.rotated"))
    assert key_input.input_value() not in ("", demo_key)
    shot(page, language, "account-rotated")
    assert outside == []
    assert errors == []
