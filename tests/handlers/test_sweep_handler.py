"""The sweep function through its event: AWS in ministack, Stripe the double behind the real
SDK, and no webhook endpoint at all (every delivery is lost), so only the sweep can apply
what Stripe knows."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import stripe
from aws_lambda_powertools.utilities import parameters

from apisales import container
from apisales.routes import account, sweep
from sandbox.stripe_double import StripeDouble
from tests.fixtures.stripe_double import client_for, stripe_double  # noqa: F401 - fixture
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import FakeContext, api_event, call
from tests.handlers.flows import start_checkout


@dataclass
class SweepContext(FakeContext):
    remaining_ms: int = 290_000  # a fresh 300 s invocation

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def swept(aws: AwsStack, stripe_double: StripeDouble,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AwsStack, StripeDouble]]:
    table = aws.create_program_table("sweep-state")
    aws.client("secretsmanager").put_secret_value(SecretId=aws.api_key_secret_arn,
                                                  SecretString=stripe_double.api_key)
    monkeypatch.setenv("SWEEP_STATE_TABLE", table)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_double.url)
    monkeypatch.setenv("METRICS_SERVICE", "api-sales-stack")  # not POWERTOOLS_SERVICE_NAME
    monkeypatch.setenv("SWEEP_STRIPE_READS_PER_SECOND", "25")
    container.reset()
    parameters.clear_caches()
    yield aws, stripe_double


def _run(event: dict[str, Any] | None = None) -> dict[str, Any]:
    container.reset()  # each invocation its own container state, as after a cold start
    return sweep.lambda_handler(event or {}, SweepContext())


def _pay(aws: AwsStack, double: StripeDouble, user: str) -> str:
    """``user`` has a FREE key, checks out and pays; the webhook never arrives."""
    aws.create_user(user)
    status, _ = call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))
    assert status == 201
    status, checkout = start_checkout(user)
    assert status == 200
    double.pay_checkout_session(checkout["session_id"])
    return double.get(checkout["session_id"])["subscription"]


def _plans(aws: AwsStack, user: str) -> tuple[str, set[str], str]:
    item = aws.user_item(user)
    return (item.get("plan", {"S": "FREE"})["S"], aws.plans_of_key(item["api_key_id"]["S"]),
            aws.cognito_attributes(user).get("custom:plan_type", "FREE"))


def _metrics(output: str) -> list[dict[str, Any]]:
    """The EMF documents Powertools printed."""
    docs = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            docs.append(json.loads(line))
    return docs


def test_pay_then_cancel_with_no_webhook_the_sweep_alone_moves_the_key(
        swept: tuple[AwsStack, StripeDouble], capsys: pytest.CaptureFixture[str]) -> None:
    aws, double = swept
    sub = _pay(aws, double, "jo")
    assert _plans(aws, "jo")[0] == "FREE"  # nothing told us about the payment

    report = _run()
    assert report["sweep_status"] == "finished" and report["sweep_kind"] == "full"
    assert report["corrections"] == 1 and report["corrected_user_ids"] == ["jo"]
    assert _plans(aws, "jo") == ("PRO", {"PRO"}, "PRO")
    emf = _metrics(capsys.readouterr().out)
    values = {name: sum(doc[name]) if isinstance(doc[name], list) else doc[name]
              for doc in emf for name in
              ("SweepCorrections", "SweepRuns", "PlanChanges") if name in doc}
    assert values == {"SweepCorrections": 1.0, "SweepRuns": 1.0, "PlanChanges": 1.0}
    assert all(doc["service"] == "api-sales-stack" for doc in emf)  # the alarms read it
    plan_changes = next(doc for doc in emf if "PlanChanges" in doc)
    assert plan_changes["cause"] == "sweep"

    def dimensions(doc: dict[str, Any]) -> list[set[str]]:
        return [set(d) for d in doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"]]

    # Exactly the dimensions the alarms and the dashboard ask for (business_metrics.py).
    assert dimensions(next(d for d in emf if "SweepCorrections" in d)) == [{"service"}]
    assert dimensions(plan_changes) == [{"service", "cause"}]

    assert _run()["corrections"] == 0  # nothing left to repair: nothing counted

    client_for(double).v1.subscriptions.cancel(sub)
    report = _run()
    assert report["sweep_kind"] == "incremental" and report["corrections"] == 1
    assert _plans(aws, "jo") == ("FREE", {"FREE"}, "FREE")
    assert len(aws.keys_of("jo")) == 1  # the same one key throughout


def test_two_sweeps_at_once_one_sweeps_and_the_other_says_busy(
        swept: tuple[AwsStack, StripeDouble], monkeypatch: pytest.MonkeyPatch) -> None:
    aws, double = swept
    for user in ("ann", "bob", "cy"):
        _pay(aws, double, user)
    monkeypatch.setenv("SWEEP_STRIPE_READS_PER_SECOND", "4")  # a run lasts a few seconds

    def invoke(_: int) -> dict[str, Any]:
        return sweep.lambda_handler({}, SweepContext())

    container.reset()
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(invoke, range(2)))
    assert sorted(r["sweep_status"] for r in reports) == ["busy", "finished"]
    assert sum(r["corrections"] for r in reports) == 3
    assert all(_plans(aws, u)[:2] == ("PRO", {"PRO"}) for u in ("ann", "bob", "cy"))
    assert _run()["sweep_status"] == "finished"  # the lease was released


def test_the_sweep_never_calls_stripe_faster_than_its_budget(
        swept: tuple[AwsStack, StripeDouble], monkeypatch: pytest.MonkeyPatch) -> None:
    aws, double = swept
    for user in ("ann", "bob", "cy", "dee"):
        _pay(aws, double, user)
    rate = 5
    monkeypatch.setenv("SWEEP_STRIPE_READS_PER_SECOND", str(rate))
    sent: list[float] = []
    lock = threading.Lock()
    original = stripe.RequestsClient.request

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            sent.append(time.monotonic())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(stripe.RequestsClient, "request", recording)
    report = _run({"full": True})
    assert report["corrections"] == 4
    assert len(sent) >= 9  # the subscription page, then 2 reads per customer at least
    for i, start in enumerate(sent):  # no one-second window holds more than rate + 1
        in_window = [t for t in sent[i:] if t - start < 1.0]
        assert len(in_window) <= rate + 1, (len(in_window), sent)
    assert sent[-1] - sent[0] >= (len(sent) - 1 - 1) / rate - 0.05


def test_stripe_down_mid_sweep_the_next_sweep_completes_and_doubles_nothing(
        swept: tuple[AwsStack, StripeDouble], monkeypatch: pytest.MonkeyPatch) -> None:
    aws, double = swept
    for user in ("ann", "bob", "cy"):
        _pay(aws, double, user)
    keys = {u: aws.user_item(u)["api_key_id"]["S"] for u in ("ann", "bob", "cy")}
    calls = {"n": 0}
    original = stripe.RequestsClient.request

    def failing_after_three(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > 3:
            raise stripe.APIConnectionError("Stripe is unreachable")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(stripe.RequestsClient, "request", failing_after_three)
    with pytest.raises(stripe.APIConnectionError):
        _run()
    monkeypatch.setattr(stripe.RequestsClient, "request", original)

    report = _run()
    assert report["sweep_status"] == "finished"
    assert all(_plans(aws, u) == ("PRO", {"PRO"}, "PRO") for u in keys)
    assert {u: aws.user_item(u)["api_key_id"]["S"] for u in keys} == keys  # no new key
    assert all(len(aws.keys_of(u)) == 1 for u in keys)


def test_dynamodb_down_mid_sweep_the_next_sweep_completes_and_doubles_nothing(
        swept: tuple[AwsStack, StripeDouble], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from botocore.exceptions import ClientError

    from apisales.adapters.dynamo_users import DynamoUserStore

    aws, double = swept
    for user in ("ann", "bob", "cy"):
        _pay(aws, double, user)
    keys = {u: aws.user_item(u)["api_key_id"]["S"] for u in ("ann", "bob", "cy")}
    capsys.readouterr()
    original = DynamoUserStore.record_subscription

    def unavailable_for_bob(self: Any, user_id: str, *args: Any) -> None:
        if user_id == aws.user_item("bob")["user_id"]["S"]:
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}},
                              "UpdateItem")
        original(self, user_id, *args)

    monkeypatch.setattr(DynamoUserStore, "record_subscription", unavailable_for_bob)
    with pytest.raises(ClientError):
        _run()
    assert _plans(aws, "bob")[0] == "FREE"  # not applied, and not lost:
    # ann and cy were corrected before the failure, and the failed run says so.
    failed = [d for d in _metrics(capsys.readouterr().out) if "SweepCorrections" in d]
    assert [d["SweepCorrections"] for d in failed] in ([2.0], [[2.0]])
    monkeypatch.setattr(DynamoUserStore, "record_subscription", original)

    report = _run()
    assert report["sweep_status"] == "finished" and report["corrected_user_ids"] == ["bob"]
    assert all(_plans(aws, u) == ("PRO", {"PRO"}, "PRO") for u in keys)
    assert {u: aws.user_item(u)["api_key_id"]["S"] for u in keys} == keys
    assert all(len(aws.keys_of(u)) == 1 for u in keys)
