"""A key's use of its plan's quota in the current quota period (pure rules, no AWS, no HTTP).

API Gateway counts a usage plan's quota per key over calendar periods in UTC: a DAY starts at
00:00 UTC, a WEEK on Sunday 00:00 UTC (the stack sets no ``offset``), a MONTH on the 1st at
00:00 UTC (docs/handlers.md, "Usage", has the sources). GetUsage reports one
``[used, remaining]`` pair per UTC day of the asked range; the rules here turn that series into
what the console shows: used and remaining in the period, its start and reset, and per-day
counts from the period's first day to today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum


class QuotaPeriod(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class UsageUnavailable(Exception):
    """The usage figures cannot be read here (an emulator without GetUsage, or no quota)."""


@dataclass(frozen=True)
class Quota:
    limit: int
    period: QuotaPeriod


@dataclass(frozen=True)
class QuotaWindow:
    """The current quota period: ``start`` inclusive, ``resets_at`` exclusive (UTC)."""

    start: datetime
    resets_at: datetime

    @property
    def first_day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class DayCount:
    day: date
    used: int


@dataclass(frozen=True)
class UsageReport:
    plan: str
    limit: int
    period: QuotaPeriod
    used: int
    remaining: int
    window: QuotaWindow
    days: tuple[DayCount, ...]
    as_of: datetime


def quota_window(period: QuotaPeriod, now: datetime) -> QuotaWindow:
    """The quota period ``now`` falls in (``now`` must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(UTC).date()
    if period is QuotaPeriod.DAY:
        start = today
        end = today + timedelta(days=1)
    elif period is QuotaPeriod.WEEK:
        start = today - timedelta(days=(today.weekday() + 1) % 7)  # back to Sunday
        end = start + timedelta(days=7)
    else:
        start = today.replace(day=1)
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return QuotaWindow(_midnight(start), _midnight(end))


def usage_report(
    plan: str,
    quota: Quota,
    daily: Sequence[Sequence[int]],
    now: datetime,
) -> UsageReport:
    """Shape GetUsage's daily ``[used, remaining]`` pairs (first = the window's first day).

    An empty series is a key with no calls in the period yet (GetUsage then has no entry for
    the key). Days GetUsage has not reported (it lags) count as zero; the total is the sum of
    the days, and remaining is the limit less that, never below zero.
    """
    window = quota_window(quota.period, now)
    today = now.astimezone(UTC).date()
    span = (today - window.first_day).days + 1
    used_by_day = [max(0, int(pair[0])) for pair in daily[:span] if len(pair) >= 1]
    used_by_day += [0] * (span - len(used_by_day))
    days = tuple(
        DayCount(window.first_day + timedelta(days=i), used) for i, used in enumerate(used_by_day)
    )
    used = sum(used_by_day)
    return UsageReport(
        plan=plan,
        limit=quota.limit,
        period=quota.period,
        used=used,
        remaining=max(0, quota.limit - used),
        window=window,
        days=days,
        as_of=now,
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
