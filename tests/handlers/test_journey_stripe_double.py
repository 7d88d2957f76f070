"""The whole journey through the real Stripe SDK against the Stripe double, AWS in ministack.

The double's signed webhook deliveries reach the webhook handler through a local bridge, so
the events, their order, retries and signatures are the double's, not hand-made.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from aws_lambda_powertools.utilities import parameters

from apisales import container
from apisales.routes import account, billing
from sandbox.stripe_double import StripeDouble
from tests.fixtures.stripe_double import client_for, stripe_double  # noqa: F401 - fixture
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event, call
from tests.handlers.flows import checkout_status, deliver, portal, start_checkout
from tests.handlers.webhook_bridge import webhook_bridge

DAY = 86400


@pytest.fixture
def wired(aws: AwsStack, stripe_double: StripeDouble,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AwsStack, StripeDouble, list]]:
    """The handlers pointed at the double; the double's webhooks pointed at the handler."""
    with webhook_bridge() as (url, statuses):
        endpoint = stripe_double.add_webhook_endpoint(url)
        sm = aws.client("secretsmanager")
        sm.put_secret_value(SecretId=aws.webhook_secret_arn, SecretString=endpoint.secret)
        sm.put_secret_value(SecretId=aws.api_key_secret_arn, SecretString=stripe_double.api_key)
        aws.webhook_secret = endpoint.secret
        monkeypatch.setenv("STRIPE_API_BASE", stripe_double.url)
        # The portal configuration the stack declares (infra/stripe_catalog.py).
        portal_config = client_for(stripe_double).v1.billing_portal.configurations.create(
            params={"features": {
                "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
                "payment_method_update": {"enabled": True},
                "invoice_history": {"enabled": True},
            }})  # fmt: skip
        monkeypatch.setenv("STRIPE_PORTAL_CONFIGURATION", portal_config.id)
        container.reset()
        parameters.clear_caches()
        yield aws, stripe_double, statuses
        stripe_double.wait_for_deliveries(10)


def settle(double: StripeDouble, statuses: list[int]) -> None:
    assert double.wait_for_deliveries(15)
    assert statuses and all(s == 200 for s in statuses), statuses


def state(aws: AwsStack, user: str) -> tuple[str, str, set[str], str]:
    item = aws.user_item(user)
    key_id = item["api_key_id"]["S"]
    return (item["plan"]["S"], key_id, aws.plans_of_key(key_id),
            aws.cognito_attributes(user)["custom:plan_type"])


def post_form(url: str) -> None:
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_whole_journey(wired: tuple[AwsStack, StripeDouble, list]) -> None:
    aws, double, statuses = wired
    aws.create_user("jo")
    status, free = call(account.lambda_handler, api_event("POST", "/account/api-key", user="jo"))
    assert status == 201 and free["plan"] == "FREE"
    key_id = free["id"]

    status, checkout = start_checkout("jo")
    assert status == 200 and checkout["url"].startswith(double.url)
    session = double.get(checkout["session_id"])
    assert session["client_reference_id"] == "jo" and session["mode"] == "subscription"
    customer = double.get(session["customer"])
    assert customer["metadata"]["user_id"] == "jo" and customer["email"] == "jo@example.com"

    double.pay_checkout_session(checkout["session_id"])
    settle(double, statuses)
    assert state(aws, "jo") == ("PRO", key_id, {"PRO"}, "PRO")
    assert aws.cognito_attributes("jo")["custom:stripe_customer_id"] == customer["id"]
    status, body = checkout_status("jo", checkout["session_id"])
    assert status == 200 and body["fulfilled"] and body["plan"] == "PRO"
    assert start_checkout("jo")[0] == 409

    status, body = portal("jo")
    assert status == 200 and body["url"].startswith(double.url)
    portal_session = double.get(body["url"].rsplit("/", 1)[-1])
    assert portal_session["configuration"] == os.environ["STRIPE_PORTAL_CONFIGURATION"]
    sub_id = aws.user_item("jo")["subscription_id"]["S"]
    post_form(f"{body['url']}/subscriptions/{sub_id}/cancel_at_period_end")
    settle(double, statuses)
    assert state(aws, "jo") == ("PRO", key_id, {"PRO"}, "PRO")
    assert aws.user_item("jo")["cancel_at_period_end"]["BOOL"] is True

    double.advance_clock(32 * DAY)
    settle(double, statuses)
    assert state(aws, "jo") == ("FREE", key_id, {"FREE"}, "FREE")
    assert aws.user_item("jo")["subscription_status"]["S"] == "canceled"

    status, again = start_checkout("jo")
    assert status == 200
    assert double.get(again["session_id"])["customer"] == customer["id"]  # customer reused
    double.pay_checkout_session(again["session_id"])
    settle(double, statuses)
    assert state(aws, "jo") == ("PRO", key_id, {"PRO"}, "PRO")
    assert aws.user_item("jo")["subscription_id"]["S"] != sub_id
    assert [k["id"] for k in aws.keys_of("jo")] == [key_id]
    status, shown = call(account.lambda_handler, api_event("GET", "/account/api-key", user="jo"))
    assert status == 200 and shown["value"] == free["value"] and shown["plan"] == "PRO"


def test_duplicated_and_shuffled_delivery_ends_in_stripes_state(
    wired: tuple[AwsStack, StripeDouble, list],
) -> None:
    aws, double, statuses = wired
    double.configure_delivery(duplicate=True, order="shuffle")
    aws.create_user("kim")
    _, checkout = start_checkout("kim")
    double.pay_checkout_session(checkout["session_id"])
    settle(double, statuses)
    plan, key_id, plans, cognito = state(aws, "kim")
    assert (plan, plans, cognito) == ("PRO", {"PRO"}, "PRO")
    sub_id = aws.user_item("kim")["subscription_id"]["S"]
    _, body = portal("kim")
    post_form(f"{body['url']}/subscriptions/{sub_id}/cancel_at_period_end")
    double.advance_clock(32 * DAY)  # the stack's portal cancels at the period's end
    settle(double, statuses)
    assert state(aws, "kim") == ("FREE", key_id, {"FREE"}, "FREE")
    assert len(aws.keys_of("kim")) == 1


def test_eight_deliveries_of_the_doubles_event_and_eight_status_calls_make_one_key(
    wired: tuple[AwsStack, StripeDouble, list],
) -> None:
    aws, double, statuses = wired
    aws.create_user("lee")
    _, checkout = start_checkout("lee")
    # The double delivers its own copies meanwhile: they only add to the concurrency.
    double.pay_checkout_session(checkout["session_id"])
    completed = next(e for e in double.events("checkout.session.completed")
                     if e["data"]["object"]["id"] == checkout["session_id"])
    payload = json.dumps(completed)

    def run(i: int) -> int:
        if i % 2:
            return deliver(payload, aws.webhook_secret)[0]
        return checkout_status("lee", checkout["session_id"])[0]

    with ThreadPoolExecutor(16) as pool:
        assert list(pool.map(run, range(16))) == [200] * 16
    double.wait_for_deliveries(15)
    plan, key_id, plans, cognito = state(aws, "lee")
    assert (plan, plans, cognito) == ("PRO", {"PRO"}, "PRO")
    assert [k["id"] for k in aws.keys_of("lee")] == [key_id]
    assert aws.plan_key_ids(aws.pro_plan_id) == {key_id}


def test_concurrent_first_checkouts_make_one_customer(
    wired: tuple[AwsStack, StripeDouble, list],
) -> None:
    aws, double, _ = wired
    aws.create_user("max")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: start_checkout("max"), range(4)))
    assert [status for status, _ in results] == [200] * 4
    customers = {double.get(body["session_id"])["customer"] for _, body in results}
    assert len(customers) == 1
    assert customers == {aws.user_item("max")["stripe_customer_id"]["S"]}
    assert len([c for c in double.store.all("customer")
                if c["metadata"].get("user_id") == "max"]) == 1


def test_a_failed_renewal_is_recovered_in_the_portals_payment_method_flow(
    wired: tuple[AwsStack, StripeDouble, list],
) -> None:
    """Without grace a past-due subscription puts the key back on FREE; a good card entered
    in the portal's payment-method flow pays the open invoice and the key is PRO again."""
    aws, double, statuses = wired
    aws.create_user("ola")
    _, checkout = start_checkout("ola")
    double.pay_checkout_session(checkout["session_id"], card="4000000000000341")
    settle(double, statuses)
    plan, key_id, _, _ = state(aws, "ola")
    assert plan == "PRO"

    double.advance_clock(32 * DAY)  # the renewal's charge fails
    settle(double, statuses)
    assert state(aws, "ola") == ("FREE", key_id, {"FREE"}, "FREE")
    _, shown = call(account.lambda_handler, api_event("GET", "/account", user="ola"))
    assert shown["subscription"]["status"] == "past_due"

    status, body = call(billing.lambda_handler, api_event(
        "POST", "/billing/portal", user="ola", body={"flow": "payment_method_update"}))
    assert status == 200
    session = double.get(body["url"].rsplit("/", 1)[-1])
    assert session["flow"]["type"] == "payment_method_update"
    assert session["flow"]["after_completion"]["redirect"]["return_url"] == (
        "https://app.example.test/account/?billing=payment_method_updated")
    form = urllib.parse.urlencode({"cardnumber": "4242 4242 4242 4242", "exp": "12 / 34",
                                   "cvc": "123"}).encode()  # fmt: skip
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - stdlib's
            return None  # the console is not running here: look at where it would go

    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(Stay).open(f"{body['url']}/payment_method", form, 10)
    assert answer.value.code == 303
    assert answer.value.headers["Location"] == (
        "https://app.example.test/account/?billing=payment_method_updated")
    settle(double, statuses)
    assert state(aws, "ola") == ("PRO", key_id, {"PRO"}, "PRO")
    _, shown = call(account.lambda_handler, api_event("GET", "/account", user="ola"))
    assert shown["plan"] == "PRO" and shown["subscription"]["status"] == "active"
    delivered = [d["type"] for d in double.deliveries() if d["ok"]]
    assert delivered[-2:] == ["invoice.paid", "customer.subscription.updated"]
