"""The quota mail's rules and the reader's language, without AWS."""

from __future__ import annotations

import datetime as dt

import pytest

from apisales.domain.language import from_accept_language
from apisales.domain.quota_mail import crossed, due, message, period_start


@pytest.mark.parametrize(("period", "today", "start"), [
    ("DAY", dt.date(2026, 11, 30), dt.date(2026, 11, 30)),
    ("WEEK", dt.date(2026, 11, 29), dt.date(2026, 11, 29)),  # a Sunday: offset 0 starts it
    ("WEEK", dt.date(2026, 12, 5), dt.date(2026, 11, 29)),  # the Saturday after
    ("MONTH", dt.date(2026, 11, 30), dt.date(2026, 11, 1)),
    ("MONTH", dt.date(2026, 12, 1), dt.date(2026, 12, 1)),
])
def test_period_starts_as_api_gateway_counts_with_offset_0(
    period: str, today: dt.date, start: dt.date
) -> None:
    assert period_start(period, today) == start


def test_thresholds_are_reached_at_exactly_80_and_100_percent() -> None:
    assert crossed(799, 1000) == ()
    assert crossed(800, 1000) == (80,)
    assert crossed(999, 1000) == (80,)
    assert crossed(1000, 1000) == (80, 100)
    assert crossed(4, 5) == (80,)  # 80 % of a small quota, no rounding down


def test_only_new_thresholds_are_due_and_the_highest_is_sent() -> None:
    assert due(850, 1000, frozenset()) is not None
    assert due(850, 1000, frozenset({80})) is None
    both = due(1000, 1000, frozenset())
    assert both is not None and both.threshold == 100 and both.marks == (80, 100)
    after = due(1000, 1000, frozenset({80}))
    assert after is not None and after.threshold == 100 and after.marks == (100,)


@pytest.mark.parametrize(("header", "language"), [
    ("ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "ja"),
    ("en-US,en;q=0.9,ja;q=0.8", "en"),
    ("fr-FR,fr;q=0.9,ja;q=0.5", "ja"),  # the first language we have
    ("en;q=0.2,ja;q=0.9", "ja"),  # by q-value, not position
    ("ja;q=0", "en"),  # "not Japanese"
    ("de", "en"),
    (None, "en"),
    ("ja;q=abc,en", "en"),
])
def test_language_from_accept_language(header: str | None, language: str) -> None:
    assert from_accept_language(header) == language


def test_unknown_language_falls_back_to_english() -> None:
    subject, body = message("fr", 80, plan="FREE", used=800, limit=1000, period="DAY",
                            upgrade_url="https://app.example/upgrade")  # fmt: skip
    assert subject == "You have used 80% of your API quota"
    assert "800 of the 1,000 calls your FREE plan allows today" in body
    assert "refused until it resets at 00:00 UTC tomorrow" in body
    assert body.rstrip().endswith("https://app.example/upgrade")
