"""The reconciliation sweep in the sandbox: the real program deployed in ministack, the
Stripe double with the stack's webhook endpoint *disabled* (Stripe delivers nothing to a
disabled endpoint), so payments and cancellations reach us only through the sweep.

The sweep runs as the deployed function, with its own least-privilege role, invoked the
way an operator runs it on demand (``python -m sandbox.run.sweep``, ``aws lambda invoke``).
"""

from __future__ import annotations

import base64
import json

import pytest

from sandbox.run.sweep import invoke_sweep
from tests.fixtures.stripe_double import client_for
from tests.sandbox.api_client import call
from tests.sandbox.conftest import Sandbox
from tests.sandbox.users import make_test_client, signed_in_user


def _user_id(token: str) -> str:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["cognito:username"]


@pytest.fixture(scope="module")
def no_webhooks(sandbox: Sandbox) -> Sandbox:
    stripe = client_for(sandbox.stripe)
    endpoint = stripe.v1.webhook_endpoints.update(
        sandbox.stack.stripe_webhook_endpoint_id, params={"disabled": True})
    assert endpoint.status == "disabled"
    return sandbox


def _plan_of_key(sandbox: Sandbox, key_id: str) -> set[str]:
    apigw = sandbox.client("apigateway")
    return {plan for plan, plan_id in sandbox.stack.usage_plan_ids.items()
            if key_id in {k["id"] for k in apigw.get_usage_plan_keys(
                usagePlanId=plan_id, limit=500)["items"]}}  # fmt: skip


def test_with_webhooks_off_the_sweep_alone_moves_a_paid_then_canceled_key(
        no_webhooks: Sandbox) -> None:
    sandbox = no_webhooks
    stack = sandbox.stack
    cognito = sandbox.client("cognito-idp")
    token = signed_in_user(cognito, stack.user_pool_id,
                           make_test_client(cognito, stack.user_pool_id))
    auth = {"Authorization": token}
    issued = call("POST", f"{stack.api_url}/account/api-key", {}, auth)
    assert issued.status == 201, issued.body
    key_id = issued.json()["id"]
    assert _plan_of_key(sandbox, key_id) == {"FREE"}

    checkout = call("POST", f"{stack.api_url}/billing/checkout", {}, auth)
    assert checkout.status == 200, checkout.body
    session_id = checkout.json()["session_id"]
    sandbox.stripe.pay_checkout_session(session_id)
    assert sandbox.stripe.wait_for_deliveries(10)
    sent = [d for d in sandbox.stripe.deliveries()
            if d["type"].startswith(("checkout.", "customer.subscription.", "invoice."))]
    assert sent == []  # the endpoint is disabled: nothing was sent
    assert call("GET", f"{stack.api_url}/account", None, auth).json()["plan"] == "FREE"

    paid = invoke_sweep(stack)
    assert paid["sweep_status"] == "finished"
    assert paid["corrections"] == 1 and paid["corrected_user_ids"] == [_user_id(token)]
    assert _plan_of_key(sandbox, key_id) == {"PRO"}
    account = call("GET", f"{stack.api_url}/account", None, auth).json()
    assert account["plan"] == "PRO" and account["api_key"] == {"id": key_id, "plan": "PRO"}

    subscription = sandbox.stripe.get(session_id)["subscription"]
    client_for(sandbox.stripe).v1.subscriptions.cancel(subscription)
    canceled = invoke_sweep(stack)
    assert canceled["sweep_kind"] == "incremental" and canceled["corrections"] == 1
    assert _plan_of_key(sandbox, key_id) == {"FREE"}
    assert call("GET", f"{stack.api_url}/account", None, auth).json()["plan"] == "FREE"

    assert invoke_sweep(stack, full=True)["corrections"] == 0  # nothing left to repair


def test_the_schedule_targets_the_sweep_with_its_retry_policy_and_dead_letters(
        sandbox: Sandbox) -> None:
    schedule = sandbox.client("scheduler").get_schedule(Name=sandbox.stack.sweep_schedule_name)
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    sweep_arn = sandbox.client("lambda").get_function(
        FunctionName=sandbox.stack.function_names["sweep"])["Configuration"]["FunctionArn"]
    assert target["Arn"] == sweep_arn
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    queue_arn = target["DeadLetterConfig"]["Arn"]
    queues = sandbox.client("sqs").list_queues()["QueueUrls"]
    assert any(queue_arn.endswith(url.rsplit("/", 1)[1]) for url in queues)
