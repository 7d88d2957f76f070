"""The customer's language, for the mails the stack sends them (the console's languages)."""

from __future__ import annotations

LANGUAGES = ("en", "ja")  # web/assets/i18n/languages.json
DEFAULT_LANGUAGE = "en"


def from_accept_language(header: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header, by its q-values
    (``ja-JP,ja;q=0.9,en;q=0.8`` -> ``ja``); English when none is supported or it is absent."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        primary = tag.strip().split("-", 1)[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE
