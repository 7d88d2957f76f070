"""No API key value, card data, Cognito token or Stripe secret or signature is ever logged.

The real handlers run through their HTTP events (happy paths and error paths: bad input,
foreign ids, forged and failed deliveries, a dependency failing) while everything they write
is captured (tests/log_secrets.py); then no known secret may appear in it, in any spelling.
The canaries show the detector is not blind: a secret logged through the same loggers, by
the same kind of call a careless change would add, is caught. FM Mail's IMAP credentials:
tests/mail/test_no_secrets_logged.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apisales import container
from apisales.adapters.cognito_attributes import CognitoAttributes
from apisales.routes import account, billing, webhook
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.fake_stripe import FakeStripe
from tests.handlers.faults import FailingOnce
from tests.handlers.flows import deliver, paid_checkout
from tests.handlers.stripe_signing import event_payload, sign
from tests.log_secrets import captured_logs, leaks

LOGGERS = (account.logger, billing.logger, webhook.logger)
TOKEN = ("eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJhbm4iLCJ0b2tlbl91c2UiOiJpZCJ9"
         ".c2lnbmF0dXJlLW9mLWEtY29nbml0by10b2tlbg")  # fmt: skip
CARD = {"number": "4242424242424242", "cvc": "737", "fingerprint": "Xt5EWLLDS7FJjR1c"}


def bearer(user: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {TOKEN}", **kw.pop("headers", {})}
    return api_event(method, path, user=user, headers=headers, **kw)


def with_card(obj: dict[str, Any]) -> dict[str, Any]:
    """Stripe objects may carry card details (payment_method_details): never logged."""
    return {**obj, "payment_method_details": {"type": "card", "card": {**CARD, "last4": "4242"}}}


def exercise(aws: AwsStack, fake_stripe: FakeStripe) -> dict[str, str]:
    """Every route, happy and unhappy; returns the secrets that went through them."""
    secrets = {"stripe_secret_key": "sk_test_handlers", "webhook_secret": aws.webhook_secret,
               "cognito_token": TOKEN, "card_number": CARD["number"],
               "card_fingerprint": CARD["fingerprint"]}  # fmt: skip
    # Account: visit, issue, read, rotate; then bad input.
    call(account.lambda_handler, bearer("ann", "GET", "/account"))
    _, issued = call(account.lambda_handler, bearer("ann", "POST", "/account/api-key"))
    _, read = call(account.lambda_handler, bearer("ann", "GET", "/account/api-key"))
    _, rotated = call(account.lambda_handler, bearer("ann", "POST", "/account/api-key/rotate"))
    secrets.update(api_key=issued["value"], rotated_key=rotated["value"])
    assert read["value"] == issued["value"] != rotated["value"]
    call(account.lambda_handler, bearer("ann", "POST", "/account/api-key", body="{not json"))
    call(account.lambda_handler, api_event("GET", "/account", claims={"bad": TOKEN},
                                           headers={"Authorization": TOKEN}))
    # Billing: checkout, paid status, portal; foreign and malformed ids.
    session = paid_checkout(aws, fake_stripe, "bob")
    sid = session["id"]
    call(billing.lambda_handler, bearer("bob", "GET", f"/billing/checkout/{sid}",
         resource="/billing/checkout/{session_id}", path_parameters={"session_id": sid}))
    call(billing.lambda_handler, bearer("ann", "GET", f"/billing/checkout/{sid}",
         resource="/billing/checkout/{session_id}", path_parameters={"session_id": sid}))
    call(billing.lambda_handler, bearer("bob", "POST", "/billing/portal"))
    call(billing.lambda_handler, bearer("bob", "POST", "/billing/checkout",
                                        body={"plan": "PRO", "card": CARD}))
    # Webhook: applied, duplicate, forged signature, bad JSON, a dependency failing.
    payload = event_payload("checkout.session.completed", with_card(session))
    signature = sign(payload, aws.webhook_secret)
    secrets["stripe_signature"] = signature.split("v1=", 1)[1]
    deliver(payload, aws.webhook_secret, signature=signature)
    deliver(payload, aws.webhook_secret)
    deliver(payload, "whsec_forged", signature=f"t=1,v1={'0' * 64}")
    deliver("{not json", aws.webhook_secret)
    cancel = fake_stripe.update(session["subscription"], status="canceled")
    container.override(identity=FailingOnce(CognitoAttributes(aws.user_pool_id), "set_plan"))
    invoice = with_card(fake_stripe.invoice(cancel))
    assert deliver(event_payload("customer.subscription.deleted", with_card(cancel)),
                   aws.webhook_secret)[0] == 503
    deliver(event_payload("invoice.payment_failed", invoice), aws.webhook_secret)
    return secrets


def test_no_secret_is_ever_logged(
    aws: AwsStack, fake_stripe: FakeStripe, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.create_user("ann")
    with captured_logs(LOGGERS) as log:
        secrets = exercise(aws, fake_stripe)
    written = log.text + capsys.readouterr().out
    assert "correlation_id" in written  # the capture saw the handlers' lines
    assert leaks(written, secrets) == []


def _log_key_on_issue(value: Callable[[str], str]) -> Callable[[str], str]:
    def logging_value(key_id: str) -> str:
        secret = value(key_id)
        account.logger.info("key issued", extra={"api_key": secret})
        return secret
    return logging_value


CANARIES: dict[str, Callable[[str], None]] = {
    "info with extra": lambda v: account.logger.info("issued", extra={"key": v}),
    "debug message": lambda v: webhook.logger.debug(f"value {v}"),
    "appended key": lambda v: (billing.logger.append_keys(k=v), billing.logger.warning("x")),
    "exception text": lambda v: _log_exception(v),
    "stdlib logger": lambda v: __import__("logging").getLogger("botocore").warning("%s", v),
}


def _log_exception(value: str) -> None:
    try:
        raise RuntimeError(f"auth failed for {value!r}")
    except RuntimeError:
        webhook.logger.exception("failed")


@pytest.mark.parametrize("canary", sorted(CANARIES))
def test_the_detector_catches_a_logged_secret(canary: str) -> None:
    secret = 'pässwörd "日本" \\ 1-' + canary  # escapes in JSON and repr alike
    with captured_logs(LOGGERS) as log:
        CANARIES[canary](secret)
    billing.logger.remove_keys(["k"])
    assert leaks(log.text, {"secret": secret}) == ["secret"]


def test_the_detector_catches_a_handler_that_logs_the_key(
    aws: AwsStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real route, with one careless log line added where the key's value is read."""
    keys = container.api_keys()
    monkeypatch.setattr(keys, "value", _log_key_on_issue(keys.value))
    with captured_logs(LOGGERS) as log:
        _, issued = call(account.lambda_handler, bearer("cat", "POST", "/account/api-key"))
    assert leaks(log.text + capsys.readouterr().out, {"api_key": issued["value"]}) == ["api_key"]
