"""Checkout never charges twice, and a session survives a failed write of its record.

Through the real SDK against the Stripe double, AWS in ministack; no webhook endpoint is
registered here, so these tests see Stripe ahead of our records, as happens while a
webhook is still on its way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters

from apisales import container
from sandbox.stripe_double import StripeDouble
from sandbox.stripe_double.errors import StripeError
from tests.fixtures.stripe_double import stripe_double  # noqa: F401 - fixture
from tests.handlers.aws_env import AwsStack
from tests.handlers.flows import checkout_status, start_checkout


@pytest.fixture
def billing_on_double(
    aws: AwsStack,
    stripe_double: StripeDouble,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[AwsStack, StripeDouble]]:
    sm = aws.client("secretsmanager")
    sm.put_secret_value(SecretId=aws.api_key_secret_arn, SecretString=stripe_double.api_key)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_double.url)
    container.reset()
    parameters.clear_caches()
    yield aws, stripe_double


def test_paid_but_not_yet_delivered_subscription_refuses_a_second_checkout(billing_on_double):
    aws, double = billing_on_double
    aws.create_user("kim")
    status, first = start_checkout("kim")
    assert status == 200
    double.pay_checkout_session(first["session_id"])  # Stripe: active; our record: nothing yet

    status, body = start_checkout("kim")
    assert status == 409 and body["error"]["code"] == "already_subscribed"
    customer = double.get(first["session_id"])["customer"]
    assert (
        len(
            [
                s
                for s in double.events("customer.subscription.created")
                if s["data"]["object"]["customer"] == customer
            ]
        )
        == 1
    )


def test_a_new_checkout_expires_the_previous_open_one(billing_on_double):
    aws, double = billing_on_double
    aws.create_user("lee")
    _, first = start_checkout("lee")
    _, second = start_checkout("lee")
    assert double.get(first["session_id"])["status"] == "expired"
    assert double.get(second["session_id"])["status"] == "open"
    with pytest.raises(StripeError, match="expired"):
        double.pay_checkout_session(first["session_id"])
    double.pay_checkout_session(second["session_id"])  # the newest one still pays


def test_status_of_a_session_whose_record_was_lost_still_fulfils_for_its_owner_only(
    billing_on_double,
):
    aws, double = billing_on_double
    aws.create_user("max")
    aws.create_user("eve")
    _, checkout = start_checkout("max")
    session_id = checkout["session_id"]
    # As if the write after Stripe's create had failed.
    aws.client("dynamodb").delete_item(
        TableName=aws.sessions_table, Key={"session_id": {"S": session_id}}
    )
    double.pay_checkout_session(session_id)

    status, body = checkout_status("eve", session_id)
    assert status == 404 and body["error"]["code"] == "unknown_session"
    assert aws.user_item("eve") is None or "api_key_id" not in aws.user_item("eve")

    status, body = checkout_status("max", session_id)
    assert status == 200 and body["plan"] == "PRO" and body["fulfilled"] is True
    item = aws.client("dynamodb").get_item(
        TableName=aws.sessions_table, Key={"session_id": {"S": session_id}}
    )["Item"]
    assert item["user_id"]["S"] == "max" and "fulfilled_at" in item


@pytest.mark.parametrize(
    "session_id", ["cs_test_doesnotexist", "not-a-session", "cs_live_" + "a" * 300]
)
def test_unknown_or_malformed_session_ids_are_404(billing_on_double, session_id):
    aws, _ = billing_on_double
    aws.create_user("ann")
    status, body = checkout_status("ann", session_id)
    assert status == 404 and body["error"]["code"] == "unknown_session"
