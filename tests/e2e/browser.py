"""What the browser tests share: Debian's Chromium, the console's catalogues (so that a
test finds a button by the words a reader of that language sees), readers of each language
(locale and time zone), screenshots and a signed-in page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
WAIT_MS = 120_000  # generous: a Lambda's first call in ministack starts a worker process
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CATALOGUES = ROOT / "web" / "assets" / "i18n"
LANGUAGES = ("en", "ja")
# A reader of each language, somewhere their dates look different from the mail's +09:00.
READERS: dict[str, dict[str, str]] = {
    "en": {"locale": "en-US", "timezone_id": "America/New_York"},
    "ja": {"locale": "ja-JP", "timezone_id": "Asia/Tokyo"},
}


def catalogue(language: str) -> dict[str, Any]:
    return json.loads((CATALOGUES / f"{language}.json").read_text(encoding="utf-8"))


class Words:
    """The console's messages in one language, placeholders filled as the console does."""

    def __init__(self, language: str) -> None:
        self.language, self.messages = language, catalogue(language)

    def __call__(self, key: str, **values: Any) -> str:
        message = self.messages[key]
        if isinstance(message, dict):
            one = self.language == "en" and values.get("count") == 1
            message = message["one" if one and "one" in message else "other"]
        message = re.sub(r"</?code>", "", message)
        return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], m[0])), message)


    def pattern(self, key: str) -> re.Pattern[str]:
        """The message with any value in its placeholders."""
        parts = re.split(r"\{\w+\}", self(key))
        return re.compile(".+".join(re.escape(part) for part in parts))


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (bin/setup installs it)")


def new_context(browser, language: str):
    context = browser.new_context(**READERS[language])
    context.set_default_timeout(WAIT_MS)
    return context


def shot(page, language: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{language}-{name}.png"), full_page=True)


def sign_in(page, web: str, email: str, password: str, words: Words) -> None:
    page.goto(web + "/signin/")
    page.locator("#sign-in-email").fill(email)
    page.locator("#sign-in-password").fill(password)
    page.get_by_role("button", name=words("signin.signInButton"), exact=True).click()
    page.wait_for_url(f"{web}/account/")
