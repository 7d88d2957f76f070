"""Serves the web console (``web/``) on 127.0.0.1 with its ``config.json``, and proxies the
deployed API (``/api/*``) and Cognito's public calls (``/cognito/``) so that the browser
only ever talks to its own origin (no CORS dependency on ministack).
"""

from __future__ import annotations

import errno
import json
import mimetypes
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sandbox.deploy.ministack import HOST, PortInUseError

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
API_PREFIX = "/api"
COGNITO_PATH = "/cognito/"
CONFIRM_PATH = "/_sandbox/confirm-sign-up"
NOT_FOUND_PAGE = "404.html"
MAX_BODY = 1024 * 1024
PROXY_TIMEOUT_S = 90  # a Lambda's first call in ministack starts a worker process
# Only what a browser may call on Cognito without AWS credentials; never an Admin* action,
# which ministack would otherwise accept unsigned through this proxy.
COGNITO_PUBLIC_ACTIONS = frozenset({
    "SignUp", "ConfirmSignUp", "ResendConfirmationCode", "InitiateAuth",
    "RespondToAuthChallenge", "GetUser", "GlobalSignOut", "RevokeToken", "ForgotPassword",
    "ConfirmForgotPassword", "ChangePassword",
})  # fmt: skip
FORWARDED_REQUEST_HEADERS = ("Authorization", "x-api-key", "Content-Type", "Stripe-Signature")
FORWARDED_RESPONSE_HEADERS = ("Content-Type", "Retry-After")



class BadRequestBody(Exception):
    """A request body the console's server refuses before forwarding it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

class WebServer:
    """Binds at construction (so a taken port fails early); ``start()`` begins serving.

    ``configure()`` supplies what only exists after the deploy: config.json's content,
    the API URL, the Cognito endpoint and the sign-up confirmer.
    """

    def __init__(self, port: int = 0, root: Path = WEB_ROOT) -> None:
        handler = type("BoundHandler", (_Handler,), {"site": self})
        try:
            self._server = ThreadingHTTPServer((HOST, port), handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise
        self._server.daemon_threads = True
        self.root = root.resolve()
        self.config: dict[str, Any] = {}
        self.api_url = ""
        self.cognito_url = ""
        self.confirm_sign_up: Callable[[str], None] | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        # localhost, not 127.0.0.1: the same origin the stack's webBaseUrl and Cognito
        # callback URLs name, so the console's stored session survives Stripe's redirects.
        return f"http://localhost:{self.port}"

    def configure(
        self,
        config: dict[str, Any],
        api_url: str,
        cognito_url: str,
        confirm_sign_up: Callable[[str], None] | None = None,
    ) -> None:
        self.config, self.api_url, self.cognito_url = config, api_url.rstrip("/"), cognito_url
        self.confirm_sign_up = confirm_sign_up

    def start(self) -> WebServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="web-console", daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    site: WebServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # the terminal is for the sandbox's summary
        pass

    # -- dispatch -------------------------------------------------------------------------
    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return self._proxy_api()
        if path == "/config.json":
            return self._send_json(200, self.site.config)
        return self._static(path)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        try:
            self._post()
        except BadRequestBody as error:
            self._error(error.status, error.code, error.message)

    def _post(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(API_PREFIX + "/"):
            return self._proxy_api()
        if path == COGNITO_PATH:
            return self._proxy_cognito()
        if path == CONFIRM_PATH:
            return self._confirm()
        self._error(404, "not_found", "No such route.")

    def do_PUT(self) -> None:
        self._proxy_or_404()

    def do_DELETE(self) -> None:
        self._proxy_or_404()

    def do_OPTIONS(self) -> None:
        self._proxy_or_404()

    def _proxy_or_404(self) -> None:
        if urlsplit(self.path).path.startswith(API_PREFIX + "/"):
            try:
                return self._proxy_api()
            except BadRequestBody as error:
                return self._error(error.status, error.code, error.message)
        self._error(404, "not_found", "No such route.")

    # -- static files ---------------------------------------------------------------------
    def _static(self, path: str) -> None:
        target = _resolve_static(self.site.root, path)
        if target is None:  # the console's own 404 page, as CloudFront serves it on AWS
            page = self.site.root / NOT_FOUND_PAGE
            body = page.read_bytes() if page.is_file() else b"<!doctype html><h1>Not found</h1>"
            return self._send(404, body, "text/html; charset=utf-8")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send(200, target.read_bytes(), kind)

    # -- proxies --------------------------------------------------------------------------
    def _proxy_api(self) -> None:
        if not self.site.api_url:
            return self._error(503, "not_ready", "The sandbox is still starting.")
        parts = urlsplit(self.path)
        url = self.site.api_url + parts.path[len(API_PREFIX):]
        if parts.query:
            url += "?" + parts.query
        headers = {h: self.headers[h] for h in FORWARDED_REQUEST_HEADERS if self.headers[h]}
        self._forward(urllib.request.Request(url, data=self._body(), headers=headers,
                                             method=self.command))  # fmt: skip

    def _proxy_cognito(self) -> None:
        target = self.headers.get("X-Amz-Target", "")
        service, _, action = target.partition(".")
        if service != "AWSCognitoIdentityProviderService" or action not in COGNITO_PUBLIC_ACTIONS:
            return self._error(403, "forbidden", "Only Cognito's public actions are proxied.")
        headers = {
            "X-Amz-Target": target,
            "Content-Type": self.headers.get("Content-Type", "application/x-amz-json-1.1"),
        }
        self._forward(urllib.request.Request(self.site.cognito_url, data=self._body(),
                                             headers=headers, method="POST"))  # fmt: skip

    def _forward(self, request: urllib.request.Request) -> None:
        try:
            with urllib.request.urlopen(request, timeout=PROXY_TIMEOUT_S) as response:
                status, body, headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, body, headers = error.code, error.read(), error.headers
        except OSError as error:
            return self._error(502, "upstream_unreachable", f"The sandbox backend: {error}")
        extra = {h: headers[h] for h in FORWARDED_RESPONSE_HEADERS[1:] if headers.get(h)}
        self._send(status, body, headers.get("Content-Type") or "application/json", extra)

    # -- sandbox-only sign-up confirmation --------------------------------------------------
    def _confirm(self) -> None:
        """Confirms a new sign-up (AdminConfirmSignUp), standing in for the emailed code."""
        if self.site.confirm_sign_up is None:
            return self._error(404, "not_found", "Sign-up confirmation is not offered here.")
        try:
            email = json.loads(self._body() or b"{}").get("email")
        except (ValueError, AttributeError):
            email = None
        if not isinstance(email, str) or "@" not in email:
            return self._error(400, "invalid_body", "Send {\"email\": \"...\"}.")
        try:
            self.site.confirm_sign_up(email)
        except Exception as error:  # the console shows the message and offers the code form
            return self._error(400, "confirm_failed", str(error))
        self._send_json(200, {"confirmed": True})

    # -- plumbing -------------------------------------------------------------------------
    def _body(self) -> bytes | None:
        raw = self.headers.get("Content-Length") or "0"
        if not raw.isdigit():
            raise BadRequestBody(400, "invalid_length", "Content-Length must be a number.")
        length = int(raw)
        if length > MAX_BODY:
            raise BadRequestBody(413, "payload_too_large", "request body too large")
        return self.rfile.read(length) if length else None

    def _error(self, status: int, code: str, message: str) -> None:
        self._send_json(status, {"error": {"code": code, "message": message}})

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str,
              extra: dict[str, str] | None = None) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _resolve_static(root: Path, path: str) -> Path | None:
    """``/upgrade/thanks`` → ``web/upgrade/thanks/index.html``; nothing outside ``root``."""
    candidate = (root / path.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        return None
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None
