"""Sign-in through the hosted page (OAuth 2.0 code flow with PKCE) in headless Chromium:
the demo user signs in on ministack's hosted login form and lands on /account/ with a key;
a callback whose `state` was tampered with is refused and stores nothing; signing out
ends the hosted-UI session too."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.run import Sandbox

from .browser import ARGS, CHROMIUM, WAIT_MS
from .conftest import SHOTS

TOKEN_KEYS = (
    "() => Object.keys(localStorage)"
    ".filter((k) => /\\.(idToken|accessToken|refreshToken)$/.test(k))"
)

ID_TOKEN = "() => Object.entries(localStorage).find(([k]) => k.endsWith('.idToken'))?.[1] || ''"
# amazon-cognito-identity-js judges expiry by now - clockDrift: a drift of -2 h expires all.
EXPIRE_SESSION = (
    "() => { for (const k of Object.keys(localStorage)) "
    "if (k.endsWith('.clockDrift')) localStorage.setItem(k, '-7200'); }"
)


@pytest.mark.browser
def test_hosted_page_sign_in(sandbox: Sandbox) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (bin/setup installs it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    try:
        hosted_sign_in(sandbox, expect, sync_playwright)
    finally:
        expect.set_options(timeout=None)  # the process-wide default, for later tests


def hosted_sign_in(sandbox: Sandbox, expect, sync_playwright) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    web, hosted = sandbox.web_url, sandbox.stack.hosted_ui_url.rstrip("/")
    demo = sandbox.demo_user

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

        def open_hosted_page(context):
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith((web, hosted, "data:"))
                    else outside.append(r.url))  # fmt: skip
            # A request the console's Content-Security-Policy refused counts as a stray too.
            page.on("console", lambda m: outside.append(m.text)
                    if "Content Security Policy" in m.text else None)  # fmt: skip
            page.goto(web + "/signin/")
            page.get_by_role("button", name="Sign in with the hosted page").click()
            page.wait_for_url(re.compile(re.escape(hosted) + r"/oauth2/authorize\?"))
            query = parse_qs(urlsplit(page.url).query)
            assert query["response_type"] == ["code"]
            assert query["redirect_uri"] == [f"{web}/auth/callback"]
            assert query["scope"] == ["openid email profile"]
            assert query["code_challenge_method"] == ["S256"]
            assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"][0])
            assert len(query["state"][0]) >= 32
            page.get_by_label("Username").fill(demo.email)
            page.get_by_label("Password").fill(demo.password)
            return page, outside

        # The demo user signs in on the hosted page and lands on /account/ with a key.
        context = browser.new_context()
        page, outside = open_hosted_page(context)
        page.screenshot(path=str(SHOTS / "hosted-01-login-page.png"), full_page=True)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{web}/account/")
        expect(page.locator("#signed-in-as")).to_have_text(demo.email)
        expect(page.locator("#plan-name")).to_have_text("FREE")
        key_input = page.get_by_label("API key (send it as the x-api-key header)")
        expect(key_input).to_have_value(re.compile(r"\S{20,}"))
        assert page.evaluate(TOKEN_KEYS)
        page.screenshot(path=str(SHOTS / "hosted-02-callback-signed-in.png"), full_page=True)

        # The stored session is the SRP path's: once the tokens count as expired, the page
        # refreshes them with the hosted UI's refresh token and stays signed in.
        id_token = page.evaluate(ID_TOKEN)
        page.evaluate(EXPIRE_SESSION)
        page.reload()
        expect(page.locator("#signed-in-as")).to_have_text(demo.email)
        expect(key_input).to_have_value(re.compile(r"\S{20,}"))
        assert page.evaluate(ID_TOKEN) not in ("", id_token)

        # Sign out ends the hosted-UI session as well: through its /logout, back to "/".
        with page.expect_request(re.compile(re.escape(hosted) + r"/logout\?")) as logout:
            page.get_by_role("button", name="Sign out").click()
        assert parse_qs(urlsplit(logout.value.url).query)["logout_uri"] == [f"{web}/"]
        page.wait_for_url(f"{web}/signin/")
        assert page.evaluate(TOKEN_KEYS) == []
        assert outside == []
        context.close()

        # A response whose state was changed on the way back is refused; nothing is stored.
        context = browser.new_context()
        page, outside = open_hosted_page(context)
        page.locator("input[name=state]").evaluate("(input) => { input.value = 'tampered'; }")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(re.escape(web) + r"/auth/callback"))
        expect(page.get_by_role("alert").filter(has_text="state mismatch")).to_be_visible()
        expect(page.get_by_role("link", name="Back to sign-in")).to_be_visible()
        assert page.evaluate(TOKEN_KEYS) == []
        assert urlsplit(page.url).query == ""  # the code is not left in the address bar
        page.screenshot(path=str(SHOTS / "hosted-03-callback-state-refused.png"), full_page=True)
        page.goto(web + "/account/")
        page.wait_for_url(re.compile(re.escape(web) + r"/signin/\?next="))
        assert outside == []
        context.close()
        browser.close()
