"""The console's texts are all in its message catalogues: every language has exactly the
same messages with the same placeholders, no page or script carries words of its own, and
every key the pages and scripts use exists (docs/web-console.md, "Languages")."""

from __future__ import annotations

import json
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.web.js_literals import string_literals

WEB = Path(__file__).resolve().parents[2] / "web"
I18N = WEB / "assets" / "i18n"
PAGES = sorted(p for p in WEB.rglob("*.html") if "vendor" not in p.parts)
SCRIPTS = sorted(p for p in (WEB / "assets").rglob("*.js"))
LANGUAGES = json.loads((I18N / "languages.json").read_text(encoding="utf-8"))
TEXT_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label", "aria-description")
# Keys built at run time from data: the prefix must appear in a script as `prefix${`.
DYNAMIC_PREFIXES = (
    "cognito.", "error.", "billing.status.", "billing.cancel.", "price.per.", "quota.per.",
)  # fmt: skip
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(language: str) -> dict[str, object]:
    return json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))


def has_letter(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


def forms(value: object) -> list[str]:
    return list(value.values()) if isinstance(value, dict) else [value]  # type: ignore[list-item]


def test_english_and_japanese_are_offered() -> None:
    assert {"en", "ja"} <= set(LANGUAGES)
    assert LANGUAGES["ja"] == "日本語"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_catalogue_has_exactly_the_english_keys_and_placeholders(language: str) -> None:
    english, other = load("en"), load(language)
    assert sorted(set(english) - set(other)) == [], "missing in " + language
    assert sorted(set(other) - set(english)) == [], "not in en.json"
    for key, value in other.items():
        assert all(isinstance(form, str) and form.strip() for form in forms(value)), key
        if isinstance(value, dict):
            assert "other" in value, f"{key}: a plural message needs its 'other' form"
        placeholders = {name for form in forms(value) for name in PLACEHOLDER.findall(form)}
        wanted = {name for form in forms(english[key]) for name in PLACEHOLDER.findall(form)}
        assert placeholders == wanted, key
        codes = {form.count("<code>") for form in forms(value)}
        assert codes == {form.count("<code>") for form in forms(english[key])}, key


class _PageText(HTMLParser):
    """Text nodes and text attributes that do not go through the catalogue."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.hard_coded: list[str] = []
        self.keys: list[str] = []
        self.icons: list[str] = []
        self.title_key = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in ("meta", "link", "input", "br", "img"):
            self.stack.append(tag)
        if "data-i18n" in attributes:
            self.keys.append(str(attributes["data-i18n"]))
            self.title_key |= tag == "title"
        for pair in str(attributes.get("data-i18n-attr") or "").split(";"):
            if pair.strip():
                self.keys.append(pair.split(":")[1].strip())
        for name in TEXT_ATTRIBUTES:
            value = attributes.get(name)
            if value and has_letter(value):
                self.hard_coded.append(f'<{tag} {name}="{value}">')
        if tag == "link" and attributes.get("rel") == "icon":
            self.icons.append(str(attributes.get("href")))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("script", "style"):
            return
        if has_letter(data):
            self.hard_coded.append(data.strip())


def parse(page: Path) -> _PageText:
    parser = _PageText()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(WEB)))
def test_pages_carry_no_words_of_their_own(page: Path) -> None:
    parsed = parse(page)
    assert parsed.hard_coded == []
    assert parsed.title_key, "the <title> comes from the catalogue"
    english = load("en")
    assert [key for key in parsed.keys if key not in english] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(WEB)))
def test_every_page_links_the_favicon(page: Path) -> None:
    assert parse(page).icons == ["/favicon.svg"]
    assert (WEB / "favicon.svg").read_text().startswith("<svg")


def prose(text: str) -> bool:
    """Words meant for a reader, as opposed to selectors, URLs, names and identifiers."""
    if any(unicodedata.category(c).startswith("L") and ord(c) > 127 for c in text):
        return True
    static = re.sub(r"\s*\$\{\}\s*", " ", text)
    if static.lstrip().startswith(("#", ".", "[")):  # CSS selectors
        return False
    if re.search(r"[A-Za-z]{2,}\s*[,;:]?\s+[A-Za-z]{2,}", static):
        return True
    if re.fullmatch(r"\s*[A-Z][a-z]+[.!?…]?\s*", static):
        return static.strip() not in {"Authorization"}
    return False


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(WEB)))
def test_scripts_carry_no_words_of_their_own(script: Path) -> None:
    source = script.read_text(encoding="utf-8")
    lines = source.splitlines()
    hard_coded = [
        f"{script.name}:{literal.line}: {literal.quote}{literal.text}{literal.quote}"
        for literal in string_literals(source)
        if prose(literal.text) and "i18n-exempt" not in lines[literal.line - 1]
    ]
    assert hard_coded == []


def test_the_scanner_finds_words_in_strings_and_templates() -> None:
    source = (
        'const a = "Sign in"; // "Not this"\n'
        "const b = `Hello ${name}, welcome`;\n"
        "const c = x.replace(/\\/$/, '').split(\"#main .card\");\n"
        "const d = 'Show'; const e = \"会員\"; const f = `${`Nested words here`}`;\n"
    )
    found = [literal.text for literal in string_literals(source) if prose(literal.text)]
    assert sorted(found) == sorted(
        ["Sign in", "Hello ${}, welcome", "Show", "会員", "Nested words here"]
    )


def test_every_key_used_exists_and_every_message_is_used() -> None:
    english = load("en")
    sources = "\n".join(p.read_text(encoding="utf-8") for p in [*SCRIPTS, *PAGES])
    called = set(re.findall(r"\bt\(\s*\"([^\"]+)\"", sources))
    called |= set(re.findall(r"words\(\"([^\"]+)\"", sources))
    assert sorted(called - set(english)) == []
    for prefix in DYNAMIC_PREFIXES:
        assert f"`{prefix}${{" in sources, prefix
    unused = [
        key for key in english
        if f'"{key}"' not in sources and not key.startswith(DYNAMIC_PREFIXES)
    ]  # fmt: skip
    assert unused == []
