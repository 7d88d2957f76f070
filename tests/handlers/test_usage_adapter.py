"""GetUsage as AWS answers it, through botocore's Stubber on the real service model (ministack
lacks the call), and what the adapter makes of an endpoint that does not implement it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from apisales.adapters import apigw_usage
from apisales.adapters.apigw_usage import ApiGatewayUsage
from apisales.domain.usage import UsageUnavailable
from tests.handlers.aws_env import AwsStack

PLAN, KEY = "up_free", "k3y1d"
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 3)


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    client = boto3.client("apigateway", region_name="ap-northeast-1",
                          aws_access_key_id="x", aws_secret_access_key="x")  # fmt: skip
    monkeypatch.setattr(apigw_usage, "apigateway", lambda: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def _asked(**extra: Any) -> dict[str, Any]:
    return {"usagePlanId": PLAN, "keyId": KEY, "startDate": "2026-11-01",
            "endDate": "2026-11-03", "limit": 500, **extra}  # fmt: skip


def _usage(items: dict[str, list[list[int]]], **extra: Any) -> dict[str, Any]:
    # The Usage shape of the service model: items map a key id to [used, remaining] per day.
    return {"usagePlanId": PLAN, "startDate": "2026-11-01", "endDate": "2026-11-03",
            "items": items, **extra}  # fmt: skip


def test_the_days_of_the_asked_key(stub: Stubber) -> None:
    stub.add_response("get_usage", _usage({KEY: [[5, 995], [0, 995], [7, 988]]}), _asked())
    assert ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST) == [[5, 995], [0, 995], [7, 988]]


def test_a_key_with_no_calls_yet_has_no_entry_and_reads_as_no_days(stub: Stubber) -> None:
    stub.add_response("get_usage", _usage({}), _asked())
    assert ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST) == []


def test_another_keys_figures_are_never_taken(stub: Stubber) -> None:
    stub.add_response("get_usage", _usage({"someone-else": [[900, 100]]}), _asked())
    assert ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST) == []


def test_pages_are_followed_by_position(stub: Stubber) -> None:
    stub.add_response("get_usage", _usage({KEY: [[1, 999]]}, position="p2"), _asked())
    stub.add_response("get_usage", _usage({KEY: [[2, 997]]}), _asked(position="p2"))
    assert ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST) == [[1, 999], [2, 997]]


def test_lagging_data_is_a_shorter_series_not_an_error(stub: Stubber) -> None:
    # GetUsage data lags behind the calls (docs/handlers.md, "Usage"): today may be missing.
    stub.add_response("get_usage", _usage({KEY: [[5, 995], [0, 995]]}), _asked())
    assert ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST) == [[5, 995], [0, 995]]


def test_an_answer_that_is_not_getusage_is_unavailable_not_zero(stub: Stubber) -> None:
    stub.add_response("get_usage", {}, _asked())
    with pytest.raises(UsageUnavailable):
        ApiGatewayUsage().daily(PLAN, KEY, FIRST, LAST)


def test_ministack_has_no_getusage_and_is_reported_so(aws: AwsStack) -> None:
    key = aws.client("apigateway").create_api_key(name="usage-probe", enabled=True)["id"]
    aws.client("apigateway").create_usage_plan_key(usagePlanId=aws.free_plan_id, keyId=key,
                                                    keyType="API_KEY")  # fmt: skip
    with pytest.raises(UsageUnavailable):
        ApiGatewayUsage().daily(aws.free_plan_id, key, FIRST, LAST)
