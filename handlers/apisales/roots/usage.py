"""API Gateway's usage figures (``GetUsage``): the account function's usage route and the
quota mail."""

from __future__ import annotations

from apisales.dependency import Dependency
from apisales.domain.ports import UsageMeter


def _apigw_usage() -> UsageMeter:
    from apisales.adapters.apigw_usage import ApiGatewayUsage

    return ApiGatewayUsage()


usage = Dependency(_apigw_usage)
