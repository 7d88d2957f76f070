"""API Gateway's usage counts in memory (adapters/apigw_usage.py): calls per key per UTC day."""

from __future__ import annotations

import datetime as dt
import threading

from apisales.domain.usage import UsageUnavailable


class InMemoryUsage:
    """What GetUsage would report: a key's ``[used, remaining]`` per day of its usage plan."""

    def __init__(self, limits: dict[str, int] | None = None) -> None:
        self.lock = threading.Lock()
        self.limits = dict(limits or {})  # usage plan id -> the period's quota (remaining)
        self.calls: dict[tuple[str, str, dt.date], int] = {}  # (plan, key, day) -> calls
        self.available = True  # False: an endpoint without GetUsage (ministack)

    def record(self, usage_plan_id: str, key_id: str, day: dt.date, calls: int) -> None:
        with self.lock:
            where = (usage_plan_id, key_id, day)
            self.calls[where] = self.calls.get(where, 0) + calls

    def daily(self, usage_plan_id: str, key_id: str, first: dt.date, last: dt.date
              ) -> list[list[int]]:
        if not self.available:
            raise UsageUnavailable("this API Gateway endpoint does not implement GetUsage")
        with self.lock:
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            used = [self.calls.get((usage_plan_id, key_id, day), 0) for day in days]
            if not any(used):
                return []  # GetUsage lists only keys with calls in the range
            limit = self.limits.get(usage_plan_id, 0)
            answer, total = [], 0
            for count in used:
                total += count
                answer.append([count, max(limit - total, 0)])
            return answer

    def by_key(self, usage_plan_id: str, first: dt.date, last: dt.date) -> dict[str, int]:
        with self.lock:
            used: dict[str, int] = {}
            for (plan, key, day), count in self.calls.items():
                if plan == usage_plan_id and first <= day <= last:
                    used[key] = used.get(key, 0) + count
            return used
