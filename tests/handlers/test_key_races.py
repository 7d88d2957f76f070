"""A key call racing a fulfilment never leaves the key on a plan the user is not entitled to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from apisales import container
from apisales.adapters.apigw_keys import ApiGatewayKeys
from apisales.routes import account
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.flows import deliver, start_checkout
from tests.handlers.stripe_signing import event_payload


class FulfilmentBeforeFirstMove:
    """API Gateway keys whose first ``put_on_plan`` lets a webhook run to the end first.

    That is the interleaving that hurts: the account route has already read the plan (FREE)
    when the payment's webhook moves the key to PRO; then the route's own move runs.
    """

    def __init__(self, inner: ApiGatewayKeys, interleave: Callable[[], None]) -> None:
        self._inner = inner
        self._interleave = interleave
        self._armed = threading.Event()
        self._armed.set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def put_on_plan(self, *args: Any, **kwargs: Any) -> Any:
        if self._armed.is_set():
            self._armed.clear()
            self._interleave()
        return self._inner.put_on_plan(*args, **kwargs)


def _key_state(aws: AwsStack, user: str) -> tuple[str, set[str]]:
    item = aws.user_item(user)
    return item["plan"]["S"], aws.plans_of_key(item["api_key_id"]["S"])


def _race(aws: AwsStack, stripe: FakeStripe, user: str, route: str) -> dict[str, Any]:
    aws.create_user(user)
    status, _ = call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))
    assert status == 201
    _, checkout = start_checkout(user)
    session = stripe.pay(checkout["session_id"])
    real_keys = ApiGatewayKeys()

    def webhook_arrives() -> None:
        container.override(api_keys=real_keys)  # the webhook's own calls are not intercepted
        try:
            payload = event_payload("checkout.session.completed", session)
            assert deliver(payload, aws.webhook_secret)[0] == 200
        finally:
            container.override(api_keys=racing)

    racing = FulfilmentBeforeFirstMove(real_keys, webhook_arrives)
    container.override(api_keys=racing)
    status, body = call(account.lambda_handler, api_event("POST", route, user=user))
    assert status in (200, 201), body
    return body


def test_issue_call_racing_the_payment_leaves_the_key_on_pro(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    body = _race(aws, fake_stripe, "ivy", "/account/api-key")
    assert _key_state(aws, "ivy") == ("PRO", {"PRO"})
    assert body["plan"] == "PRO"


def test_rotation_racing_the_payment_puts_the_new_key_on_pro(
    aws: AwsStack, fake_stripe: FakeStripe
) -> None:
    body = _race(aws, fake_stripe, "jay", "/account/api-key/rotate")
    assert _key_state(aws, "jay") == ("PRO", {"PRO"})
    assert body["plan"] == "PRO" and body["id"] == aws.user_item("jay")["api_key_id"]["S"]
