"""A key's daily usage of its usage plan, from API Gateway's GetUsage."""

from __future__ import annotations

from datetime import date
from typing import Any

from apisales.adapters.aws import client
from apisales.domain.usage import UsageUnavailable

_PAGE_LIMIT = 500  # GetUsage's maximum page size
_MAX_PAGES = 20  # pages are per key, and we ask for one key: never more than a few


class ApiGatewayUsage:
    def daily(self, usage_plan_id: str, key_id: str, first: date, last: date) -> list[list[int]]:
        """``[used, remaining]`` per UTC day from ``first`` to ``last``; [] when no calls yet.

        GetUsage pages over keys (``position``); ``items`` holds only keys with usage in the
        range, so a key with no calls yet has no entry. An answer without GetUsage's own
        fields (``startDate``) is not GetUsage: an emulator that routes the path elsewhere
        (ministack answers with the usage plan) must not be read as "no calls".
        """
        apigw = client("apigateway")
        request: dict[str, Any] = {
            "usagePlanId": usage_plan_id,
            "keyId": key_id,
            "startDate": first.isoformat(),
            "endDate": last.isoformat(),
            "limit": _PAGE_LIMIT,
        }
        days: list[list[int]] = []
        for _ in range(_MAX_PAGES):
            page = apigw.get_usage(**request)
            if "startDate" not in page:
                raise UsageUnavailable("this API Gateway endpoint does not implement GetUsage")
            days += [list(pair) for pair in (page.get("items") or {}).get(key_id, [])]
            position = page.get("position")
            if not position:
                return days
            request["position"] = position
        return days
