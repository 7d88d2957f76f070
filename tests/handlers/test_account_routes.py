from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from apisales.routes import account
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call


def post_key(user: str) -> tuple[int, dict]:
    return call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))


def test_account_route_does_not_import_stripe() -> None:
    # Other tests in this process import stripe; check a fresh interpreter instead.
    import subprocess

    code = ("import sys; import apisales.routes.account; "
            "sys.exit(1 if 'stripe' in sys.modules else 0)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="handlers")


def test_new_user_gets_one_free_key_idempotently(aws: AwsStack) -> None:
    aws.create_user("alice")
    status, first = post_key("alice")
    assert status == 201 and first["plan"] == "FREE" and first["value"]
    status, again = post_key("alice")
    assert status == 200 and again == first
    assert aws.plans_of_key(first["id"]) == {"FREE"}
    assert "value" not in str(aws.user_item("alice"))  # the value never lands in DynamoDB
    status, shown = call(account.lambda_handler,
                         api_event("GET", "/account/api-key", user="alice"))
    assert status == 200 and shown["value"] == first["value"] and shown["plan"] == "FREE"
    status, summary = call(account.lambda_handler, api_event("GET", "/account", user="alice"))
    assert status == 200
    assert summary == {"user_id": "alice", "plan": "FREE", "subscription": None,
                       "api_key": {"id": first["id"], "plan": "FREE"}}


def test_eight_concurrent_issues_make_one_key(aws: AwsStack) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: post_key("bob"), range(8)))
    assert {status for status, _ in results} <= {200, 201}
    assert [s for s, _ in results].count(201) == 1
    assert len({body["id"] for _, body in results}) == 1
    assert len(aws.keys_of("bob")) == 1


def test_rotate_gives_a_new_value_on_the_same_plan(aws: AwsStack) -> None:
    _, old = post_key("carol")
    status, new = call(account.lambda_handler,
                       api_event("POST", "/account/api-key/rotate", user="carol"))
    assert status == 200 and new["value"] != old["value"] and new["plan"] == "FREE"
    assert aws.plans_of_key(new["id"]) == {"FREE"}
    assert aws.plans_of_key(old["id"]) == set()
    assert [k["id"] for k in aws.keys_of("carol")] == [new["id"]]
    assert aws.user_item("carol")["api_key_id"]["S"] == new["id"]


def test_no_key_yet_is_404(aws: AwsStack) -> None:
    for method, path in (("GET", "/account/api-key"), ("POST", "/account/api-key/rotate")):
        status, body = call(account.lambda_handler, api_event(method, path, user="dave"))
        assert status == 404 and body["error"]["code"] == "no_api_key"


@pytest.mark.parametrize("claims", [None, {}, {"sub": "x"}, {"cognito:username": ""},
                                    {"cognito:username": 42}, {"cognito:username": "a b"},
                                    {"cognito:username": "x" * 500}, "garbage", ["a"]])
def test_missing_or_garbage_claims_are_401_and_change_nothing(aws: AwsStack, claims) -> None:
    before = aws.snapshot()
    for method, path in (("GET", "/account"), ("POST", "/account/api-key"),
                         ("GET", "/account/api-key"), ("POST", "/account/api-key/rotate")):
        event = api_event(method, path)
        if claims is not None:
            event["requestContext"]["authorizer"] = {"claims": claims}
        status, body = call(account.lambda_handler, event)
        assert status == 401 and body["error"]["code"] == "unauthorized"
    assert aws.snapshot() == before


def test_user_comes_from_claims_not_from_body(aws: AwsStack) -> None:
    status, refused = call(account.lambda_handler, api_event(
        "POST", "/account/api-key", user="mallory", body={"user_id": "alice"}))
    assert status == 400 and refused["error"]["code"] == "unknown_field"
    assert refused["error"]["field"] == "user_id"
    _, mallory = call(account.lambda_handler, api_event(
        "POST", "/account/api-key", user="mallory", body={}))
    assert aws.user_item("alice") is None
    assert aws.user_item("mallory")["api_key_id"]["S"] == mallory["id"]


def test_bad_bodies_and_routes_are_clear_4xx(aws: AwsStack) -> None:
    before = aws.snapshot()
    cases = [
        (api_event("POST", "/account/api-key", user="erin", body="{not json"), 400),
        (api_event("POST", "/account/api-key", user="erin", body="[1]"), 400),
        (api_event("POST", "/account/api-key", user="erin", body="x" * 100_000), 413),
        (api_event("PUT", "/account", user="erin"), 404),  # DELETE is the billing function's
        (api_event("GET", "/nope", user="erin"), 404),
    ]
    for event, expected in cases:
        status, body = call(account.lambda_handler, event)
        assert status == expected and "code" in body["error"]
    assert aws.snapshot() == before


def test_crash_after_creating_the_key_is_resumed_without_a_second_key(aws: AwsStack) -> None:
    # As a crashed request leaves it: a key under the user's name, an expired claim, no id.
    orphan = aws.client("apigateway").create_api_key(
        name=f"{aws.users_table}-user-ivy", enabled=True)["id"]
    aws.client("dynamodb").put_item(TableName=aws.users_table, Item={
        "user_id": {"S": "ivy"}, "key_claim_token": {"S": "dead"},
        "key_claim_until": {"N": "1"}})
    status, body = post_key("ivy")
    assert status == 201 and body["id"] == orphan
    assert aws.plans_of_key(orphan) == {"FREE"}
    assert [k["id"] for k in aws.keys_of("ivy")] == [orphan]


def test_a_live_claim_held_elsewhere_is_503_not_a_second_key(
    aws: AwsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apisales.domain import api_key

    monkeypatch.setattr(api_key, "WAIT_SECONDS", 0.3)
    aws.client("dynamodb").put_item(TableName=aws.users_table, Item={
        "user_id": {"S": "jan"}, "key_claim_token": {"S": "busy"},
        "key_claim_until": {"N": "99999999999"}})
    status, body = post_key("jan")
    assert status == 503 and body["error"]["code"] == "unavailable"
    assert aws.keys_of("jan") == []
