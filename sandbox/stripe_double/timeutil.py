"""Calendar arithmetic for billing periods (Stripe bills monthly on the same day, clamped)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

_DAY = 86400


def add_interval(ts: int, interval: str, count: int = 1) -> int:
    if interval == "day":
        return ts + _DAY * count
    if interval == "week":
        return ts + 7 * _DAY * count
    months = count * (12 if interval == "year" else 1)
    dt = datetime.fromtimestamp(ts, UTC)
    total = dt.month - 1 + months
    year, month = dt.year + total // 12, total % 12 + 1
    day = min(dt.day, calendar.monthrange(year, month)[1])
    return int(dt.replace(year=year, month=month, day=day).timestamp())


def fmt_date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %Y")
