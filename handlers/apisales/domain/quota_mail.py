"""When a customer is told their key is running out of quota, and what the mail says.

A key's usage is counted by API Gateway per usage-plan quota period (``DAY``, ``WEEK``,
``MONTH``; offset 0, UTC: a week starts on Sunday, a month on the 1st). At 80 % and at
100 % of the plan's limit the customer gets one mail per threshold per period. A run that
finds both crossed at once (a burst between two runs) sends only the 100 % mail and marks
the 80 % one as sent too: two mails in one minute say nothing the second does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apisales.domain.language import DEFAULT_LANGUAGE
from apisales.domain.usage import QuotaPeriod, quota_window

THRESHOLDS = (80, 100)  # percent of the plan's quota


def period_start(period: str, today: dt.date) -> dt.date:
    """The first day of the quota period ``today`` is in (the usage route's rule)."""
    noon = dt.datetime(today.year, today.month, today.day, 12, tzinfo=dt.UTC)
    return quota_window(QuotaPeriod(period), noon).first_day


def crossed(used: int, limit: int) -> tuple[int, ...]:
    """The thresholds ``used`` calls have reached, lowest first."""
    return tuple(t for t in THRESHOLDS if used * 100 >= t * limit)


@dataclass(frozen=True)
class KeyedUser:
    """A user with an API key, as the quota mail reads them."""

    user_id: str
    api_key_id: str
    plan: str | None  # the plan the key was last put on
    language: str | None
    marks: dict[int, str]  # threshold -> the period it was last mailed for


@dataclass(frozen=True)
class QuotaMail:
    threshold: int  # the one the mail is about (the highest newly crossed)
    marks: tuple[int, ...]  # the thresholds recorded as mailed for this period


def due(used: int, limit: int, already_mailed: frozenset[int]) -> QuotaMail | None:
    """The mail to send now, given the thresholds already mailed this period; None if none."""
    new = [t for t in crossed(used, limit) if t not in already_mailed]
    if not new:
        return None
    return QuotaMail(threshold=max(new), marks=tuple(new))


_TEXT = {
    "en": {
        80: ("You have used 80% of your API quota",
             "Your API key has made {used} of the {limit} calls your {plan} plan allows "
             "{this}.\nWhen the quota is used up, calls are refused until it resets {next}.\n\n"
             "Upgrade your plan: {url}\n"),
        100: ("You have used all of your API quota",
              "Your API key has made {used} of the {limit} calls your {plan} plan allows "
              "{this}; further calls are refused until it resets {next}.\n\n"
              "Upgrade your plan: {url}\n"),
    },
    "ja": {
        80: ("APIの利用上限の80%に達しました",
             "お使いのAPIキーは、{plan}プランで{this}利用できる{limit}回のうち{used}回を"
             "使用しました。\n上限に達すると、{next}にリセットされるまで呼び出しは拒否されます。\n\n"
             "プランのアップグレード: {url}\n"),
        100: ("APIの利用上限に達しました",
              "お使いのAPIキーは、{plan}プランで{this}利用できる{limit}回をすべて"
              "使用しました。{next}にリセットされるまで呼び出しは拒否されます。\n\n"
              "プランのアップグレード: {url}\n"),
    },
}
# (this period, the next one) in each language.
_PERIOD = {
    "en": {"DAY": ("today", "at 00:00 UTC tomorrow"),
           "WEEK": ("this week", "at 00:00 UTC on Sunday"),
           "MONTH": ("this month", "at 00:00 UTC on the 1st of next month")},
    "ja": {"DAY": ("今日", "翌日 0:00（UTC）"), "WEEK": ("今週", "日曜日 0:00（UTC）"),
           "MONTH": ("今月", "翌月1日 0:00（UTC）")},
}


def message(language: str | None, threshold: int, *, plan: str, used: int, limit: int,
            period: str, upgrade_url: str) -> tuple[str, str]:
    """Subject and plain-text body in the customer's language (English if unknown)."""
    lang = language if language in _TEXT else DEFAULT_LANGUAGE
    subject, body = _TEXT[lang][threshold]
    this, following = _PERIOD[lang][period]
    return subject, body.format(used=f"{used:,}", limit=f"{limit:,}", plan=plan, this=this,
                                next=following, url=upgrade_url)
