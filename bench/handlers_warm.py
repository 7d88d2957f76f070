"""Warm per-request handler time against the local emulators (prints figures).

Usage: .venv/bin/python bench/handlers_warm.py [--requests N]
AWS is ministack on 127.0.0.1, Stripe is the project's Stripe double; the handlers run in
this process (as in a warm Lambda container). The first request of each route (clients and
secrets created) is reported separately from the median/p90 of the next N.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "handlers")]
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")  # before the route modules make loggers

from apisales import container  # noqa: E402
from apisales.routes import account, billing, webhook  # noqa: E402
from sandbox.stripe_double import StripeDouble  # noqa: E402
from tests.handlers.aws_env import create_stack, ministack  # noqa: E402
from tests.handlers.events import FakeContext, api_event  # noqa: E402
from tests.handlers.stripe_signing import event_payload, sign  # noqa: E402


def measure(name: str, request: Callable[[], dict], n: int) -> None:
    started = time.perf_counter()
    first = request()
    cold = time.perf_counter() - started
    assert first["statusCode"] < 300, (name, first)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = request()
        times.append(time.perf_counter() - started)
        assert response["statusCode"] < 300, (name, response)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    median = statistics.median(times)
    print(f"  {name:34s} first {cold * 1000:7.1f} ms | median {median * 1000:6.1f} ms"
          f" | p90 {p90 * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=30)
    n = parser.parse_args().requests
    ctx = FakeContext()
    with ministack() as url:
        double = StripeDouble(port=0).start()
        double.seed_price()
        try:
            endpoint = double.add_webhook_endpoint("http://127.0.0.1:9/unused", ["ping.none"])
            stack = create_stack(url, webhook_secret=endpoint.secret)
            stack.client("secretsmanager").put_secret_value(
                SecretId=stack.api_key_secret_arn, SecretString=double.api_key)
            os.environ.update(stack.environment(), STRIPE_API_BASE=double.url,
                              POWERTOOLS_LOG_LEVEL=os.environ["POWERTOOLS_LOG_LEVEL"])
            container.reset()
            stack.create_user("bench")
            print(f"{n} warm requests per route (ministack + Stripe double on 127.0.0.1)")

            def handler(fn, *args, **kwargs):
                return lambda: fn(api_event(*args, **kwargs), ctx)

            measure("POST /account/api-key (1st issues)",
                    handler(account.lambda_handler, "POST", "/account/api-key", user="bench"), n)
            measure("GET /account", handler(account.lambda_handler, "GET", "/account",
                                            user="bench"), n)
            measure("GET /account/api-key", handler(account.lambda_handler, "GET",
                                                    "/account/api-key", user="bench"), n)
            measure("POST /billing/checkout",
                    handler(billing.lambda_handler, "POST", "/billing/checkout", user="bench"), n)
            # Newest first (Stripe's order): each checkout expires the ones before it.
            session_id = double.store.all("checkout.session")[0]["id"]
            double.pay_checkout_session(session_id)
            completed = double.get(session_id)

            def signed_delivery() -> dict:
                payload = event_payload("checkout.session.completed", completed)
                return webhook.lambda_handler(api_event(
                    "POST", "/stripe/webhook", body=payload,
                    headers={"Stripe-Signature": sign(payload, endpoint.secret)}), ctx)

            measure("POST /stripe/webhook (full sync)", signed_delivery, n)
            measure("GET /billing/checkout/{id} (paid)", handler(
                billing.lambda_handler, "GET", f"/billing/checkout/{session_id}",
                resource="/billing/checkout/{session_id}",
                path_parameters={"session_id": session_id}, user="bench"), n)
        finally:
            double.stop()


if __name__ == "__main__":
    main()
