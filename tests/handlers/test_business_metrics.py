"""Each business event writes its metric once, as the alarms and the dashboard read it
(docs/operations.md): EMF lines on stdout, captured here as CloudWatch Logs would get them."""

from __future__ import annotations

from collections import Counter

import pytest

from apisales import container
from apisales.adapters.cognito_attributes import CognitoAttributes
from apisales.routes import account
from tests.handlers.aws_env import AwsStack
from tests.handlers.emf import business_metrics
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.faults import FailingOnce
from tests.handlers.flows import checkout_status, deliver, paid_checkout, start_checkout
from tests.handlers.stripe_signing import event_payload

SIGN_UP = ("SignUps",)
KEY = ("KeysIssued",)


def visit(user: str, language: str | None = None) -> tuple[int, dict]:
    headers = {"Accept-Language": language} if language else None
    return call(account.lambda_handler, api_event("GET", "/account", user=user, headers=headers))


def test_first_visit_is_one_sign_up_and_keeps_the_language(
    aws: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert visit("ann", "ja-JP,ja;q=0.9,en;q=0.8")[0] == 200
    assert business_metrics(capsys) == Counter({SIGN_UP: 1})
    assert aws.user_item("ann")["language"]["S"] == "ja"
    visit("ann", "ja-JP,ja;q=0.9,en;q=0.8")
    visit("ann", "en-US,en;q=0.9")  # the reader switched the console to English
    assert business_metrics(capsys) == Counter()
    assert aws.user_item("ann")["language"]["S"] == "en"


def test_a_user_who_got_a_key_before_visiting_still_signs_up_once(
    aws: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    call(account.lambda_handler, api_event("POST", "/account/api-key", user="bea"))
    assert business_metrics(capsys) == Counter({KEY: 1})
    visit("bea")
    visit("bea")
    assert business_metrics(capsys) == Counter({SIGN_UP: 1})
    assert aws.user_item("bea")["language"]["S"] == "en"


def test_keys_issued_counts_issues_and_rotations_not_repeats(
    aws: AwsStack, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        call(account.lambda_handler, api_event("POST", "/account/api-key", user="cal"))
    assert business_metrics(capsys) == Counter({KEY: 1})
    status, _ = call(account.lambda_handler,
                     api_event("POST", "/account/api-key/rotate", user="cal"))
    assert status == 200
    assert business_metrics(capsys) == Counter({KEY: 1})


def test_checkout_started_then_completed_once_with_a_plan_change_by_status(
    aws: AwsStack, fake_stripe: FakeStripe, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.create_user("dan")
    _, started = start_checkout("dan")
    assert business_metrics(capsys) == Counter({("CheckoutsStarted",): 1})
    fake_stripe.pay(started["session_id"])
    checkout_status("dan", started["session_id"])
    assert business_metrics(capsys) == Counter({
        ("CheckoutsCompleted",): 1, KEY: 1, ("PlanChanges", ("cause", "checkout_status")): 1})
    checkout_status("dan", started["session_id"])  # the console polls again
    session = fake_stripe.sessions[started["session_id"]]
    payload = event_payload("checkout.session.completed", session)
    deliver(payload, aws.webhook_secret)  # the webhook arrives after the status route did it all
    assert business_metrics(capsys) == Counter({
        ("WebhookEvents", ("outcome", "applied"), ("type", "checkout.session.completed")): 1})


def test_webhook_events_by_type_and_outcome(
    aws: AwsStack, fake_stripe: FakeStripe, capsys: pytest.CaptureFixture[str]
) -> None:
    session = paid_checkout(aws, fake_stripe, "eve")
    business_metrics(capsys)
    completed = event_payload("checkout.session.completed", session)
    assert deliver(completed, aws.webhook_secret)[0] == 200
    assert deliver(completed, aws.webhook_secret)[1] == {"received": True, "duplicate": True}
    deliver(event_payload("customer.created", {"id": "cus_x", "object": "customer"}),
            aws.webhook_secret)
    assert deliver(completed, "whsec_wrong")[0] == 400
    done = "checkout.session.completed"
    assert business_metrics(capsys) == Counter({
        ("CheckoutsCompleted",): 1, KEY: 1, ("PlanChanges", ("cause", "webhook")): 1,
        ("WebhookEvents", ("outcome", "applied"), ("type", done)): 1,
        ("WebhookEvents", ("outcome", "duplicate"), ("type", done)): 1,
        ("WebhookEvents", ("outcome", "ignored"), ("type", "customer.created")): 1,
        # Unverified: its type is not believed.
        ("WebhookEvents", ("outcome", "refused"), ("type", "unknown")): 1,
    })


def test_a_failed_delivery_is_counted_failed_and_its_redelivery_applied(
    aws: AwsStack, fake_stripe: FakeStripe, capsys: pytest.CaptureFixture[str]
) -> None:
    session = paid_checkout(aws, fake_stripe, "fay")
    business_metrics(capsys)
    container.override(identity=FailingOnce(CognitoAttributes(aws.user_pool_id), "set_plan"))
    payload = event_payload("checkout.session.completed", session)
    assert deliver(payload, aws.webhook_secret)[0] == 503
    assert deliver(payload, aws.webhook_secret)[0] == 200
    done = "checkout.session.completed"
    metrics = business_metrics(capsys)
    assert metrics[("WebhookEvents", ("outcome", "failed"), ("type", done))] == 1
    assert metrics[("WebhookEvents", ("outcome", "applied"), ("type", done))] == 1
    # The first try issued the key and moved the plan before Cognito failed; the retry
    # finds both done. Counted by the request that succeeds only: never twice, and here not
    # at all (docs/operations.md).
    assert metrics[KEY] == 0 and metrics[("PlanChanges", ("cause", "webhook"))] == 0


def test_a_downgrade_by_webhook_is_a_plan_change(
    aws: AwsStack, fake_stripe: FakeStripe, capsys: pytest.CaptureFixture[str]
) -> None:
    session = paid_checkout(aws, fake_stripe, "gus")
    deliver(event_payload("checkout.session.completed", session), aws.webhook_secret)
    business_metrics(capsys)
    sub = fake_stripe.update(session["subscription"], status="canceled")
    deliver(event_payload("customer.subscription.deleted", sub), aws.webhook_secret)
    metrics = business_metrics(capsys)
    assert metrics[("PlanChanges", ("cause", "webhook"))] == 1
    assert metrics[KEY] == 0


