"""A key's daily usage of its usage plan, from API Gateway's GetUsage."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from apisales.adapters.aws import apigateway
from apisales.domain.usage import UsageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_apigateway.type_defs import GetUsageRequestTypeDef

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
        apigw = apigateway()
        request: GetUsageRequestTypeDef = {
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

    def by_key(self, usage_plan_id: str, first: date, last: date) -> dict[str, int]:
        """Calls each key of the usage plan made from ``first`` to ``last`` (paginated)."""
        used: dict[str, int] = {}
        for page in apigateway().get_paginator("get_usage").paginate(
            usagePlanId=usage_plan_id, startDate=first.isoformat(), endDate=last.isoformat(),
        ):  # fmt: skip
            for key_id, days in page.get("items", {}).items():
                used[key_id] = used.get(key_id, 0) + sum(day[0] for day in days if day)
        return used
