"""The quota period and the usage figures the key page shows, from GetUsage's daily pairs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apisales.domain.usage import Quota, QuotaPeriod, quota_window, usage_report

NOW = datetime(2026, 11, 30, 22, 15, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("period", "start", "reset"),
    [
        (QuotaPeriod.DAY, datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        # WEEK with no offset starts on Sunday (offset 0).
        (QuotaPeriod.WEEK, datetime(2026, 11, 29, tzinfo=UTC), datetime(2026, 12, 6, tzinfo=UTC)),
        (QuotaPeriod.MONTH, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
    ],
)
def test_the_period_boundaries_are_utc_calendar_periods(period, start, reset) -> None:
    window = quota_window(period, NOW)
    assert (window.start, window.resets_at) == (start, reset)


def test_december_resets_on_the_first_of_january() -> None:
    window = quota_window(QuotaPeriod.MONTH, datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    assert window.resets_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_reader_east_of_utc_is_still_in_the_utc_period() -> None:
    # 08:00 on 1 December in Tokyo is still 30 November in UTC: November's quota.
    tokyo = datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=9)))
    window = quota_window(QuotaPeriod.MONTH, tokyo)
    assert window.start == datetime(2026, 11, 1, tzinfo=UTC)


def test_a_sunday_is_the_first_day_of_its_week() -> None:
    sunday = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    assert quota_window(QuotaPeriod.WEEK, sunday).start == sunday


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        quota_window(QuotaPeriod.DAY, datetime(2026, 11, 30))


def test_used_remaining_and_a_day_for_every_day_of_the_period_so_far() -> None:
    report = usage_report("FREE", Quota(1000, QuotaPeriod.MONTH), [[3, 997], [0, 997], [10, 987]],
                          NOW)  # fmt: skip
    assert report.used == 13 and report.remaining == 987
    assert len(report.days) == 30  # 1..30 November; days not reported yet are zero
    assert report.days[0].day == date(2026, 11, 1) and report.days[0].used == 3
    assert report.days[2].used == 10 and report.days[-1].day == date(2026, 11, 30)
    assert sum(d.used for d in report.days[3:]) == 0


def test_no_calls_yet_is_zero_used_and_the_whole_quota_left() -> None:
    report = usage_report("PRO", Quota(100000, QuotaPeriod.DAY), [], NOW)
    assert (report.used, report.remaining) == (0, 100000)
    assert [d.day for d in report.days] == [date(2026, 11, 30)]


def test_over_the_quota_leaves_nothing_not_a_negative_remainder() -> None:
    # Quotas are best effort: a key can go past its limit.
    report = usage_report("FREE", Quota(10, QuotaPeriod.DAY), [[12, 0]], NOW)
    assert (report.used, report.remaining) == (12, 0)


def test_a_longer_series_than_the_period_so_far_is_cut_at_today() -> None:
    report = usage_report("FREE", Quota(100, QuotaPeriod.WEEK), [[1, 99]] * 9, NOW)
    assert len(report.days) == 2 and report.used == 2  # Sunday and Monday


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), max_size=40),
       st.integers(1, 10**7), st.sampled_from(list(QuotaPeriod)),
       st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31),
                    timezones=st.just(UTC)))  # fmt: skip
def test_figures_always_add_up(daily, limit, period, now) -> None:
    report = usage_report("P", Quota(limit, period), [list(d) for d in daily], now)
    assert report.used == sum(d.used for d in report.days)
    assert report.remaining == max(0, limit - report.used)
    assert report.window.start <= now < report.window.resets_at
    assert report.days[0].day == report.window.first_day
    assert report.days[-1].day == now.date()
