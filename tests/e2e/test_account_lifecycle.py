"""The account's own life in the browser, in English and Japanese: change the password and
sign in with the new one, reset a forgotten password, delete the account (the typed email
confirms it) after which its key answers 403 at once; and sign-up and sign-in that do not
tell whether an address is registered."""

from __future__ import annotations

import re
import secrets

import pytest

from sandbox.run import Sandbox

from .browser import LANGUAGES, Words, new_context, shot

FIRST_PASSWORD = "Lifecycle-Password-2026"
CHANGED_PASSWORD = "Changed-Password-2027"
RESET_PASSWORD = "Reset-Password-2028"


def product_status(page, key: str) -> int:
    """What the product answers this key now (an empty body: 400 when the key works)."""
    return page.evaluate(
        """async (key) => (await fetch("/api/v1/mail/messages", {method: "POST", body: "{}",
             headers: {"x-api-key": key, "Content-Type": "application/json"}})).status""",
        key,
    )


def sign_in_form(page, web: str, email: str, password: str, words: Words) -> None:
    page.goto(web + "/signin/")
    page.locator("#sign-in-email").fill(email)
    page.locator("#sign-in-password").fill(password)
    page.get_by_role("button", name=words("signin.signInButton"), exact=True).click()


def sign_out(page, web: str, words: Words) -> None:
    page.get_by_role("button", name=words("header.signOut")).click()
    page.wait_for_url(f"{web}/signin/")


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_change_reset_and_delete(sandbox: Sandbox, browser, language: str, expect) -> None:
    web, words = sandbox.web_url, Words(language)
    errors: list[str] = []
    page = new_context(browser, language).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = f"life-{language}-{secrets.token_hex(4)}@example.com"

    # A new account, its key working.
    page.goto(web + "/signin/")
    page.locator("#sign-up-email").fill(email)
    page.locator("#sign-up-password").fill(FIRST_PASSWORD)
    page.get_by_role("button", name=words("signin.signUpButton")).click()
    page.wait_for_url(f"{web}/account/")
    expect(page.locator("#api-key")).not_to_have_value("")
    key = page.locator("#api-key").input_value()
    assert product_status(page, key) == 400  # past the gateway: the key works

    # Change the password: a wrong current one is said so; then the right one.
    page.get_by_role("link", name=words("account.settings.nav")).click()
    page.wait_for_url(f"{web}/account/settings/")
    expect(page.locator("#settings-email")).to_have_text(email)
    shot(page, language, "settings")
    page.get_by_label(words("password.current")).fill("Not-The-Password-1")
    page.get_by_label(words("password.new"), exact=True).fill(CHANGED_PASSWORD)
    page.get_by_role("button", name=words("password.changeButton")).click()
    expect(page.locator("#password-message")).to_have_text(
        words("password.changeFailed", message=words("password.currentWrong")))
    page.get_by_label(words("password.current")).fill(FIRST_PASSWORD)
    page.get_by_label(words("password.new"), exact=True).fill(CHANGED_PASSWORD)
    page.get_by_role("button", name=words("password.changeButton")).click()
    expect(page.locator("#password-message")).to_have_text(words("password.changed"))
    shot(page, language, "settings-password-changed")

    # Sign out; the old password no longer works, the new one does.
    sign_out(page, web, words)
    sign_in_form(page, web, email, FIRST_PASSWORD, words)
    expect(page.locator("#auth-message")).to_have_text(
        words("signin.failed", message=words("cognito.NotAuthorizedException")))
    sign_in_form(page, web, email, CHANGED_PASSWORD, words)
    page.wait_for_url(f"{web}/account/")

    # Forgot it: a code by mail (the sandbox fills it in from ministack's mail), a new one.
    sign_out(page, web, words)
    page.get_by_role("link", name=words("password.forgotLink")).click()
    page.wait_for_url(f"{web}/password/reset/")
    page.locator("#reset-email").fill(email.upper())  # any case, as at sign-in
    page.get_by_role("button", name=words("password.requestButton")).click()
    expect(page.locator("#reset-message")).to_have_text(words("password.sent"))
    expect(page.locator("#reset-intro")).to_have_text(words("password.sentIntro", email=email))
    expect(page.locator("#reset-code")).to_have_value(re.compile(r"^\d{6}$"))
    expect(page.locator("#reset-code-hint")).to_have_text(words("password.sandboxCode"))
    page.locator("#reset-password").fill(RESET_PASSWORD)
    shot(page, language, "password-reset")
    page.get_by_role("button", name=words("password.setButton")).click()
    expect(page.locator("#reset-message")).to_have_text(words("password.resetDone"))
    shot(page, language, "password-reset-done")
    page.get_by_role("link", name=words("password.toSignIn")).click()
    sign_in_form(page, web, email, CHANGED_PASSWORD, words)
    expect(page.locator("#auth-message")).to_have_text(
        words("signin.failed", message=words("cognito.NotAuthorizedException")))
    sign_in_form(page, web, email, RESET_PASSWORD, words)
    page.wait_for_url(f"{web}/account/")
    expect(page.locator("#api-key")).to_have_value(key)  # the same account, the same key

    # Delete: the button opens a form only this account's email can submit.
    page.goto(web + "/account/settings/")
    page.get_by_role("button", name=words("account.delete.start")).click()
    confirm = page.get_by_role("button", name=words("account.delete.confirm"))
    expect(confirm).to_be_disabled()
    page.get_by_label(words("account.delete.typeEmail")).fill("someone-else@example.com")
    expect(confirm).to_be_disabled()
    page.get_by_role("button", name=words("account.delete.keep")).click()  # changed my mind
    expect(confirm).to_be_hidden()
    page.get_by_role("button", name=words("account.delete.start")).click()
    page.get_by_label(words("account.delete.typeEmail")).fill(email.upper())
    expect(confirm).to_be_enabled()
    shot(page, language, "settings-delete-confirm")
    assert product_status(page, key) == 400  # still working up to the click
    confirm.click()
    page.wait_for_url(f"{web}/goodbye/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("account.delete.goodbyeTitle"))
    shot(page, language, "goodbye")
    assert product_status(page, key) == 403  # at once

    # Nobody is signed in, and the account cannot sign in again.
    page.goto(web + "/account/")
    page.wait_for_url(re.compile(re.escape(web) + r"/signin/"))
    sign_in_form(page, web, email, RESET_PASSWORD, words)
    expect(page.locator("#auth-message")).to_have_text(
        words("signin.failed", message=words("cognito.NotAuthorizedException")))
    assert errors == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_up_and_sign_in_do_not_tell_a_registered_address(
    sandbox: Sandbox, browser, language: str, expect,
) -> None:
    web, words = sandbox.web_url, Words(language)
    page = new_context(browser, language).new_page()
    # As on AWS: no instant confirmation, the pool wants the emailed code.
    page.route("**/_sandbox/confirm-sign-up", lambda route: route.fulfill(
        status=404, content_type="application/json", body='{"error": {"code": "not_found"}}'))

    def sign_up(email: str) -> tuple[str, str, str]:
        page.goto(web + "/signin/")
        page.locator("#sign-up-email").fill(email)
        page.locator("#sign-up-password").fill(FIRST_PASSWORD)
        page.get_by_role("button", name=words("signin.signUpButton")).click()
        expect(page.locator("#confirm-section")).to_be_visible()
        page.locator("#confirm-code").fill("000000")
        page.get_by_role("button", name=words("confirm.button"), exact=True).click()
        expect(page.locator("#confirm-error")).to_be_visible()
        return (page.locator("#auth-message").inner_text(),
                page.locator("#confirm-intro").inner_text().replace(email, "<email>"),
                page.locator("#confirm-error").inner_text())

    new = sign_up(f"new-{secrets.token_hex(4)}@example.com")
    taken = sign_up(sandbox.demo_user.email)
    shot(page, language, "signin-sign-up-taken-address")
    assert taken == new
    assert new[0] == words("signin.checkEmail")
    assert new[2] == words("confirm.failed", message=words("cognito.CodeMismatchException"))

    # Sign-in: an unknown address and a wrong password read the same.
    sign_in_form(page, web, f"nobody-{secrets.token_hex(4)}@example.com", FIRST_PASSWORD, words)
    unknown = page.locator("#auth-message")
    expect(unknown).to_have_text(words("signin.failed",
                                       message=words("cognito.NotAuthorizedException")))
    sign_in_form(page, web, sandbox.demo_user.email, "Wrong-Password-2026", words)
    expect(page.locator("#auth-message")).to_have_text(
        words("signin.failed", message=words("cognito.NotAuthorizedException")))

    # Forgot password: the same answer for an address without an account.
    page.goto(web + "/password/reset/")
    page.locator("#reset-email").fill(f"nobody-{secrets.token_hex(4)}@example.com")
    page.get_by_role("button", name=words("password.requestButton")).click()
    expect(page.locator("#reset-message")).to_have_text(words("password.sent"))
    expect(page.locator("#reset-section")).to_be_visible()
    page.context.close()
