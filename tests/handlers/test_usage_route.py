"""GET /account/usage through API Gateway proxy events: the user's key, in the key's plan, for
the current quota period; GetUsage stubbed with botocore's Stubber (ministack lacks it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from apisales import container
from apisales.adapters import aws as aws_clients
from apisales.routes import account
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call

NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def _get_usage(user: str) -> tuple[int, dict[str, Any]]:
    return call(account.lambda_handler, api_event("GET", "/account/usage", user=user))


def _issue_key(user: str) -> str:
    status, body = call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))
    assert status in (200, 201)
    return body["id"]


@pytest.fixture
def pinned(aws: AwsStack) -> AwsStack:
    container.override(clock=lambda: NOW)
    return aws


def test_usage_of_the_key_on_its_plan_in_the_current_period(pinned: AwsStack) -> None:
    key = _issue_key("uma")
    with Stubber(aws_clients.client("apigateway")) as stub:
        stub.add_response(
            "get_usage",
            {"usagePlanId": pinned.free_plan_id, "startDate": "2026-11-01",
             "endDate": "2026-11-03", "items": {key: [[40, 960], [2, 958], [5, 953]]}},
            {"usagePlanId": pinned.free_plan_id, "keyId": key, "startDate": "2026-11-01",
             "endDate": "2026-11-03", "limit": 500},
        )  # fmt: skip
        status, body = _get_usage("uma")
        stub.assert_no_pending_responses()
    assert status == 200
    assert body == {
        "plan": "FREE",
        "quota": {"limit": 1000, "period": "MONTH"},
        "used": 47,
        "remaining": 953,
        "period_start": "2026-11-01T00:00:00Z",
        "resets_at": "2026-12-01T00:00:00Z",
        "as_of": "2026-11-03T09:30:00Z",
        "days": [{"date": "2026-11-01", "used": 40}, {"date": "2026-11-02", "used": 2},
                 {"date": "2026-11-03", "used": 5}],
    }  # fmt: skip


def test_a_key_moved_to_a_paid_plan_reads_that_plans_usage(pinned: AwsStack) -> None:
    key = _issue_key("vic")
    pinned.client("dynamodb").update_item(
        TableName=pinned.users_table, Key={"user_id": {"S": "vic"}},
        UpdateExpression="SET key_plan = :p", ExpressionAttributeValues={":p": {"S": "PRO"}},
    )  # fmt: skip
    with Stubber(aws_clients.client("apigateway")) as stub:
        stub.add_response(
            "get_usage",
            {"usagePlanId": pinned.pro_plan_id, "startDate": "2026-11-01",
             "endDate": "2026-11-03", "items": {}},
            {"usagePlanId": pinned.pro_plan_id, "keyId": key, "startDate": ANY,
             "endDate": ANY, "limit": ANY},
        )  # fmt: skip
        status, body = _get_usage("vic")
    assert status == 200
    assert (body["plan"], body["quota"]["limit"]) == ("PRO", 100000)
    assert (body["used"], body["remaining"]) == (0, 100000)
    assert [d["used"] for d in body["days"]] == [0, 0, 0]


def test_without_getusage_the_answer_is_503_usage_unavailable_never_a_number(
    pinned: AwsStack,
) -> None:
    _issue_key("wes")  # ministack routes GET /usageplans/{id}/usage to the usage plan itself
    status, body = _get_usage("wes")
    assert status == 503
    assert body["error"]["code"] == "usage_unavailable"
    assert "not available" in body["error"]["message"]
    assert "used" not in body and "remaining" not in body


def test_no_key_yet_is_404_no_api_key(pinned: AwsStack) -> None:
    status, body = _get_usage("xena")
    assert status == 404 and body["error"]["code"] == "no_api_key"


def test_without_a_token_it_is_401(pinned: AwsStack) -> None:
    status, body = call(account.lambda_handler, api_event("GET", "/account/usage"))
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_an_unknown_query_parameter_is_400(pinned: AwsStack) -> None:
    _issue_key("yann")
    event = api_event("GET", "/account/usage", user="yann")
    event["queryStringParameters"] = {"keyId": "someone-elses"}
    event["multiValueQueryStringParameters"] = {"keyId": ["someone-elses"]}
    status, body = call(account.lambda_handler, event)
    assert status == 400 and body["error"]["code"] == "unknown_parameter"
