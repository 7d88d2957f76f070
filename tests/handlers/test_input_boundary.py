"""Regression tests, one per class of failure issue 13 found, plus the boundary's own rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from botocore.exceptions import ClientError

from apisales.http.dependencies import install_dependency_handlers
from apisales.http.errors import install_error_handlers
from apisales.routes import account, billing
from fm_mail import handler as product
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import FakeContext, api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.flows import deliver, paid_checkout, send_event
from tests.handlers.stripe_signing import event_payload

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000  # under the 16 KiB limit


@pytest.fixture(autouse=True)
def _stripe_is_the_fake(fake_stripe: FakeStripe) -> None:
    """Should a refusal regress, the route talks to the fake, never to api.stripe.com."""


@pytest.mark.parametrize("document", [DEEP, DEEP_OBJECT, '{"plan": ' + DEEP + "}"])
@pytest.mark.parametrize(("handler", "path"), [
    (account.lambda_handler, "/account/api-key"),
    (billing.lambda_handler, "/billing/checkout"),
    (billing.lambda_handler, "/billing/portal"),
])  # fmt: skip
def test_deeply_nested_bodies_are_400_not_500(
    aws: AwsStack, handler: Any, path: str, document: str
) -> None:
    before = aws.snapshot()
    status, body = call(handler, api_event("POST", path, user="deep", body=document))
    assert status == 400 and body["error"]["code"] == "invalid_json", body
    assert "deeper than 32" in body["error"]["message"]
    assert aws.snapshot() == before


@pytest.mark.parametrize("document", [DEEP, DEEP_OBJECT])
def test_deeply_nested_product_bodies_are_400_not_500(document: str) -> None:
    status, body = call(product.lambda_handler, api_event("POST", "/v1/mail/messages",
                                                          body=document))  # fmt: skip
    assert status == 400 and body["error"]["code"] == "invalid_json", body


def test_nesting_up_to_the_limit_is_only_a_schema_matter(aws: AwsStack) -> None:
    document = '{"plan": ' + "[" * 31 + "]" * 31 + "}"
    status, body = call(billing.lambda_handler,
                        api_event("POST", "/billing/checkout", user="d", body=document))
    assert status == 400 and body["error"] == {
        "code": "invalid_field", "message": "plan: must be a string", "field": "plan"}


@pytest.mark.parametrize(("text", "field"), [
    ('{"plan": "\\ud800"}', "plan"),
    ('{"plan": "PRO", "x": ["ok", {"deep": "a\\udfffb"}]}', "x.1.deep"),
    ('{"\\udc00key": 1}', "body"),
])  # fmt: skip
def test_unpaired_surrogates_anywhere_are_400_naming_where(
    aws: AwsStack, text: str, field: str
) -> None:
    status, body = call(billing.lambda_handler,
                        api_event("POST", "/billing/checkout", user="s", body=text))
    assert status == 400 and body["error"]["code"] == "invalid_text", body
    assert body["error"]["field"] == field


def test_a_paired_surrogate_escape_is_just_an_astral_character(aws: AwsStack) -> None:
    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/checkout", user="s", body='{"plan": "\\ud83d\\ude00"}'))
    assert status == 400 and body["error"]["code"] == "invalid_field"  # pattern, not text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_declared_json_is_415(aws: AwsStack, content_type: str) -> None:
    event = api_event("POST", "/billing/checkout", user="c", body={"plan": "PRO"},
                      headers={"Content-Type": content_type})  # fmt: skip
    status, body = call(billing.lambda_handler, event)
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"


def test_json_with_charset_is_json(aws: AwsStack, fake_stripe: FakeStripe) -> None:
    aws.create_user("cs")
    event = api_event("POST", "/billing/checkout", user="cs", body={"plan": "PRO"},
                      headers={"Content-Type": "application/json; charset=UTF-8"})  # fmt: skip
    assert call(billing.lambda_handler, event)[0] == 200


def test_undeclared_query_parameters_are_400_naming_them(aws: AwsStack) -> None:
    event = api_event("GET", "/account", user="q")
    event["queryStringParameters"] = {"debug": "1"}
    status, body = call(account.lambda_handler, event)
    assert status == 400 and body["error"]["code"] == "unknown_parameter"
    assert body["error"]["field"] == "debug"


def test_path_parameter_with_a_surrogate_or_control_is_4xx_never_5xx(aws: AwsStack) -> None:
    cases = (("cs_test_\ud800", "invalid_text"), ("cs_test_a\nb", "invalid_parameter"))
    for session_id, code in cases:
        event = api_event("GET", "/billing/checkout/x", resource="/billing/checkout/{session_id}",
                          path_parameters={"session_id": session_id}, user="p")  # fmt: skip
        event["path"] = f"/billing/checkout/{session_id}"
        status, body = call(billing.lambda_handler, event)
        assert status in (400, 404), body
        if status == 400:
            assert body["error"]["code"] == code and body["error"]["field"] == "session_id"


# -- signed webhooks --------------------------------------------------------------------------


@pytest.mark.parametrize(("obj", "field"), [
    ({"id": {"a": 1}, "object": "checkout.session"}, "data.object.id"),
    ({"id": "in_1", "customer": {"id": 5}}, "data.object.customer.id"),
    ({"id": "in_1", "customer": 5}, "data.object.customer"),
    ({"id": "in_1", "customer": "cus_" + "a" * 3000}, "data.object.customer"),
    ({"id": "cs_1", "client_reference_id": "x" * 3000}, "data.object.client_reference_id"),
    ({"id": "cs_1", "client_reference_id": ["a"]}, "data.object.client_reference_id"),
])  # fmt: skip
def test_signed_events_with_unexpected_field_types_are_400_not_500_or_503(
    aws: AwsStack, fake_stripe: FakeStripe, obj: dict[str, Any], field: str
) -> None:
    before = aws.snapshot()
    status, body = send_event("checkout.session.completed", obj, aws.webhook_secret)
    assert status == 400 and body["error"]["code"] == "invalid_event", body
    assert body["error"]["field"] == field
    assert aws.snapshot() == before


def test_a_signed_event_with_a_huge_id_is_400_not_503(aws: AwsStack, fake_stripe: FakeStripe):
    """Was: DynamoDB ValidationException (key too long) reported as 'a dependency failed'."""
    session = paid_checkout(aws, fake_stripe, "huge")
    status, body = send_event("invoice.paid", {"id": "in_1", "customer": session["customer"]},
                              aws.webhook_secret, event_id="evt_" + "a" * 3000)  # fmt: skip
    assert status == 400 and body["error"]["field"] == "id", body


@pytest.mark.parametrize("data", [["x"], "x", 5, None])
def test_a_signed_event_whose_data_is_not_an_object_is_400(aws: AwsStack, data: Any) -> None:
    payload = json.dumps({"id": "evt_1", "type": "invoice.paid", "data": data})
    status, body = deliver(payload, aws.webhook_secret)
    assert status == 400 and body["error"]["code"] == "invalid_event", body


def test_a_deep_or_surrogate_signed_event_is_400(aws: AwsStack) -> None:
    deep = event_payload("invoice.paid", {"id": "in_1"})[:-2] + ', "m": ' + DEEP + "}}"
    assert deliver(deep, aws.webhook_secret)[0] == 400
    lone = event_payload("invoice.paid", {"id": "in_1", "customer": "cus_\ud800"})
    status, body = deliver(lone, aws.webhook_secret)
    assert status == 400 and body["error"]["field"] == "data.object.customer"


# -- 503 only when a dependency failed --------------------------------------------------------


def _failing_app(code: str) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver()
    install_error_handlers(app, _Silent())
    install_dependency_handlers(app, _Silent())

    @app.post("/x")
    def _x() -> dict[str, Any]:
        raise ClientError({"Error": {"Code": code, "Message": code}}, "PutItem")

    return app


class _Silent:
    def exception(self, *_a: Any, **_k: Any) -> None:
        pass


@pytest.mark.parametrize(("code", "status"), [
    ("ValidationException", 400), ("SerializationException", 400),
    ("ServiceUnavailableException", 503), ("ProvisionedThroughputExceededException", 503),
    ("InternalServerError", 503),
])  # fmt: skip
def test_only_a_real_dependency_failure_is_503(code: str, status: int) -> None:
    response = _failing_app(code).resolve(api_event("POST", "/x", body={}), FakeContext())
    assert response["statusCode"] == status
