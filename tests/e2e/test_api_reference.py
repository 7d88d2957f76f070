"""The API reference in the browser, in English and Japanese: reachable from the navigation,
the stack's own document rendered (nothing loaded from elsewhere, nothing the
Content-Security-Policy refuses), examples with the deployed API's base URL and, once signed
in, the reader's key shown masked; the copied curl command, run as copied, gets 200 from the
product with a body the document describes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from sandbox.run import Sandbox, SandboxOptions

from .browser import LANGUAGES, Words, new_context, shot, sign_in
from .conftest import WAIT_MS

EXAMPLE_PATH = "/v1/mail/mailboxes"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """This module's own, with room in the FREE quota for every example it runs."""
    options = SandboxOptions(
        workdir=tmp_path_factory.mktemp("e2e-docs"), port_web=0, port_ministack=0,
        port_stripe=0, mode="fresh", free_quota=20, persist=False,
    )  # fmt: skip
    with Sandbox(options, log=lambda line: None) as running:
        yield running


def success_schema(document: dict[str, Any]) -> dict[str, Any]:
    operation = document["paths"][EXAMPLE_PATH]["post"]
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def run_copied(command: list[str]) -> tuple[int, dict[str, Any]]:
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    body, _, status = finished.stdout.rpartition("\n")
    return int(status), json.loads(body)


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_reference_gives_a_working_curl_command(
    sandbox: Sandbox, browser, language: str, expect
) -> None:
    if sandbox.mailbox is None:
        pytest.skip("dovecot is not installed: no demo mailbox to call (bin/setup installs it)")
    web, words = sandbox.web_url, Words(language)
    context = new_context(browser, language)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(web) else outside.append(r.url))
    page.on("console", lambda m: outside.append(m.text)
            if "Content Security Policy" in m.text else None)  # fmt: skip
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    document = json.loads(page.request.get(web + "/openapi.json").text())
    base = sandbox.stack.api_url

    # Signed out: the reference and the examples, with a placeholder for the key.
    page.goto(web + "/docs")
    expect(page.get_by_role("heading", name=words("docs.title"), exact=True)).to_be_visible()
    assert page.title() == words("docs.pageTitle")
    expect(page.locator("#docs-key-note")).to_have_text(words("docs.signInForKey"))
    expect(page.locator("#docs-base-url")).to_have_text(base)
    expect(page.locator("#docs-curl")).to_contain_text("x-api-key: YOUR_API_KEY")
    expect(page.locator("#docs-reference .opblock")).to_have_count(3)  # the three FM Mail routes

    # Signed in, from the navigation: the reader's own key, masked on the page.
    sign_in(page, web, sandbox.demo_user.email, sandbox.demo_user.password, words)
    key_input = page.get_by_label(words("account.keyLabel"))
    expect(key_input).not_to_have_value("", timeout=WAIT_MS)
    key = key_input.input_value()
    page.get_by_role("link", name=words("docs.nav"), exact=True).click()
    page.wait_for_url(f"{web}/docs/")
    expect(page.locator("nav a[aria-current=page]")).to_have_text(words("docs.nav"))
    expect(page.locator("#docs-key-note")).to_have_text(words("docs.yourKey"))
    curl = page.locator("#docs-curl")
    expect(curl).to_contain_text(f"x-api-key: {key[:4]}••••")
    assert key not in curl.text_content()
    expect(page.locator("#docs-plans li")).to_have_count(len(document["info"]["x-plans"]))
    expect(page.locator("#docs-reference .opblock")).to_have_count(3)
    page.locator("#docs-reference .opblock-summary").first.click()  # an operation, opened
    expect(page.locator("#docs-reference .responses-table").first).to_be_visible()
    shot(page, language, "docs")

    # Copy the curl command: the full key travels, and the command works as copied.
    page.get_by_role("button", name=words("docs.copyCurl")).click()
    expect(page.locator("#docs-message")).to_have_text(words("docs.copied"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"curl -sS -X POST '{base}{EXAMPLE_PATH}'")
    assert f"x-api-key: {key}'" in copied
    status, body = run_copied(["bash", "-c", copied + " -w '\\n%{http_code}'"])
    assert status == 200, body
    jsonschema.validate(body, success_schema(document))
    assert "INBOX" in [mailbox["name"] for mailbox in body["mailboxes"]]

    # The Python example too, with the interpreter the tests run on (requests is installed).
    page.get_by_role("button", name=words("docs.copyPython")).click()
    program = page.evaluate("navigator.clipboard.readText()")
    assert f'"x-api-key": "{key}"' in program
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                              timeout=120, check=True)  # fmt: skip
    assert finished.stdout.startswith("200 {"), finished.stdout + finished.stderr

    assert outside == []
    assert errors == []
