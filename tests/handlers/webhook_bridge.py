"""A 127.0.0.1 HTTP endpoint that turns the Stripe double's webhook POSTs into API Gateway
REST proxy events for ``apisales.routes.webhook.lambda_handler`` (as API Gateway would)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from apisales.routes import webhook
from tests.fixtures.loopback import serve_loopback
from tests.handlers.events import FakeContext, api_event


@contextmanager
def webhook_bridge() -> Iterator[tuple[str, list[int]]]:
    """Yield (url, statuses the handler answered)."""
    statuses: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items()}
            # API Gateway hands non-text payloads over base64-encoded; do so for every body
            # so that the test also covers the decoding path.
            event = api_event("POST", "/stripe/webhook", body=raw, headers=headers,
                              base64_body=True)
            response = webhook.lambda_handler(event, FakeContext())
            statuses.append(response["statusCode"])
            body = (response.get("body") or "").encode()
            self.send_response(response["statusCode"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serve_loopback(Handler) as base_url:
        yield f"{base_url}/stripe/webhook", statuses
