"""Each function's real request paths, served from its Lambda archive alone.

The archives ship only the dependency modules the handler can reach (infra/packaging.py);
a module left out by mistake is a 500 on whichever request first needs it, often through
a lazy or by-name import (stripe's service and object tables, the X-Ray SDK's patchers).
Here account, billing, webhook and sweep run in ``python -I -S`` processes holding only
their archive and the runtime's boto3 (tests/handlers/archive_worker.py), with tracing on
as on Lambda, against ministack and the Stripe double: the key, a paid Checkout delivered
by the double's signed webhooks, the portal, a sweep, the account's deletion, and the
refusals (401, 400, a forged signature), each answering as it does in process; and none of
those requests loads a module of the project or of its dependencies that the function's
init (the handler's import) had not loaded.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from sandbox.stripe_double import StripeDouble
from tests.fixtures.loopback import serve_loopback
from tests.fixtures.stripe_double import client_for, stripe_double  # noqa: F401 - fixture
from tests.handlers.archive_worker import ArchiveWorker, archive_workers
from tests.handlers.aws_env import AwsStack
from tests.handlers.events import api_event

pytestmark = pytest.mark.slow

FUNCTIONS = ["account", "billing", "webhook", "sweep"]
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


class XRayDaemon:
    """A UDP socket standing in for the X-Ray daemon: what the functions' tracers send."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.documents: list[dict[str, Any]] = []
        self._running = True
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.socket.getsockname()[1]}"

    def namespaces(self) -> set[str]:
        return {d.get("namespace", "") for d in self.documents}

    def _receive(self) -> None:
        while self._running:
            try:
                datagram = self.socket.recv(65536)
            except TimeoutError:
                continue
            _header, _, document = datagram.decode().partition("\n")
            self.documents.append(json.loads(document))

    def close(self) -> None:
        self._running = False
        self._thread.join(timeout=5)
        self.socket.close()


@pytest.fixture
def lambdas(
    aws: AwsStack, stripe_double: StripeDouble,  # noqa: F811
) -> Iterator[tuple[dict[str, ArchiveWorker], AwsStack, StripeDouble, list[int], XRayDaemon]]:
    statuses: list[int] = []
    workers: dict[str, ArchiveWorker] = {}

    class Bridge(BaseHTTPRequestHandler):  # the double's webhooks, as API Gateway passes them
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            event = api_event("POST", "/stripe/webhook", body=raw, base64_body=True,
                              headers=dict(self.headers.items()))  # fmt: skip
            response = workers["webhook"].invoke(event)
            statuses.append(response["statusCode"])
            self.send_response(response["statusCode"])
            self.send_header("Content-Length", "0")
            self.end_headers()

    sweep_table = aws.create_program_table("sweep-state")
    portal_config = client_for(stripe_double).v1.billing_portal.configurations.create(
        params={"features": {"subscription_cancel": {"enabled": True, "mode": "at_period_end"}}}
    )
    daemon = XRayDaemon()
    with serve_loopback(Bridge) as base_url:
        endpoint = stripe_double.add_webhook_endpoint(f"{base_url}/stripe/webhook")
        secrets = aws.client("secretsmanager")
        secrets.put_secret_value(SecretId=aws.webhook_secret_arn, SecretString=endpoint.secret)
        secrets.put_secret_value(SecretId=aws.api_key_secret_arn,
                                 SecretString=stripe_double.api_key)  # fmt: skip
        aws.webhook_secret = endpoint.secret
        environment = {
            **aws.environment(),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "STRIPE_API_BASE": stripe_double.url,
            "STRIPE_PORTAL_CONFIGURATION": portal_config.id,
            "SWEEP_STATE_TABLE": sweep_table,
            "SWEEP_STRIPE_READS_PER_SECOND": "25",
            # Tracing on, as on Lambda: the X-Ray SDK patches botocore and requests by name.
            "POWERTOOLS_TRACE_DISABLED": "false",
            "_X_AMZN_TRACE_ID": TRACE_HEADER,
            "AWS_XRAY_DAEMON_ADDRESS": daemon.address,
            "AWS_LAMBDA_FUNCTION_NAME": "api-sales-archive",
        }
        try:
            with archive_workers(FUNCTIONS, environment) as started:
                workers.update(started)
                yield workers, aws, stripe_double, statuses, daemon
                stripe_double.wait_for_deliveries(10)
        finally:
            daemon.close()


def test_each_function_serves_its_requests_from_its_archive_alone(lambdas) -> None:
    workers, aws, double, statuses, daemon = lambdas
    account, billing, webhook, sweep = (workers[f] for f in FUNCTIONS)

    # Refusals: the resolver's error paths, the schema check, Stripe's signature error class.
    assert account.call(api_event("GET", "/account"))[0] == 401
    assert account.call(api_event("POST", "/account/api-key", user="jo", body="{no"))[0] == 400
    forged = api_event("POST", "/stripe/webhook", body='{"id": "evt_1"}',
                       headers={"Stripe-Signature": "t=1,v1=00"})  # fmt: skip
    status, body = webhook.call(forged)
    assert status == 400 and body["error"]["code"] == "invalid_signature"

    aws.create_user("jo")
    status, key = account.call(api_event("POST", "/account/api-key", user="jo"))
    assert status == 201 and key["plan"] == "FREE"
    assert account.call(api_event("GET", "/account", user="jo"))[0] == 200
    status, shown = account.call(api_event("GET", "/account/api-key", user="jo"))
    assert status == 200 and shown["value"] == key["value"], shown
    status, rotated = account.call(api_event("POST", "/account/api-key/rotate", user="jo"))
    assert status == 200 and rotated["value"] != key["value"], rotated
    status, shown = account.call(api_event("GET", "/account/api-key", user="jo"))
    assert status == 200 and shown["value"] == rotated["value"], shown
    key = rotated

    status, checkout = billing.call(api_event("POST", "/billing/checkout", user="jo", body={}))
    assert status == 200 and checkout["url"].startswith(double.url)
    double.pay_checkout_session(checkout["session_id"])
    assert double.wait_for_deliveries(15)
    assert statuses and all(s == 200 for s in statuses), statuses
    assert aws.user_item("jo")["plan"]["S"] == "PRO"
    status, body = billing.call(api_event(
        "GET", f"/billing/checkout/{checkout['session_id']}",
        resource="/billing/checkout/{session_id}",
        path_parameters={"session_id": checkout["session_id"]}, user="jo"))  # fmt: skip
    assert status == 200 and body["fulfilled"] and body["plan"] == "PRO"
    status, body = billing.call(api_event("POST", "/billing/portal", user="jo"))
    assert status == 200 and body["url"].startswith(double.url)

    swept = sweep.invoke({})
    assert "error" not in json.dumps(swept).lower(), swept
    assert aws.user_item("jo")["plan"]["S"] == "PRO"

    # Deleting the account cancels the subscription in Stripe; its webhook follows.
    status, body = billing.call(api_event("DELETE", "/account", user="jo",
                                          body={"confirm_email": "jo@example.com"}))  # fmt: skip
    assert status == 200 and body == {"deleted": True, "subscriptions_canceled": 1}
    assert double.wait_for_deliveries(15)
    assert all(s == 200 for s in statuses), statuses
    assert aws.keys_of("jo") == []
    assert {"deleted_at", "stripe_customer_id", "api_key_id"} & set(aws.user_item("jo")) == {
        "deleted_at"}  # the tombstone

    # The tracers sent subsegments of the AWS calls (botocore patched) and of the Stripe
    # calls (requests patched): the SDK's patchers, imported by name, were in the archives.
    assert {"aws", "remote"} <= daemon.namespaces(), daemon.namespaces()
    # The Stripe functions ran the SDK's lazily loaded services and object classes.
    assert {"stripe._customer_service", "stripe.checkout._session"} <= billing.modules
    assert "stripe" not in {m.split(".")[0] for m in account.modules}

    # Lambda's init phase loaded everything else the requests used (apisales/roots): the
    # adapters, stripe with them, Powertools' parameters. All a first request may still load:
    # the standard library's codecs and stripe's own lazy tables (its client, each service
    # and each object class on first use; which ones depends on the request and the data).
    late = {function: sorted(m for m in worker.requests_loaded()
                             if m.split(".")[0] not in sys.stdlib_module_names
                             and not m.startswith("stripe."))
            for function, worker in workers.items()}  # fmt: skip
    assert late == {function: [] for function in FUNCTIONS}
