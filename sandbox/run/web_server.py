"""Serves the web console on 127.0.0.1 as the program deployed it, and proxies the deployed
API (``/api/*``) and Cognito's public calls (``/cognito/``) so that the browser only ever
talks to its own origin (no CORS dependency on ministack).

Pages, assets and ``config.json`` come from the console's CloudFront distribution in
ministack (its bucket, its folder-route function, its 404 page and its security headers);
the server adds only what the sandbox needs: the same-origin addresses in ``config.json``
and, in the Content-Security-Policy built by the same function as the distribution's, the
sandbox's own origins instead of AWS's.
"""

from __future__ import annotations

import errno
import http.client
import json
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sandbox.deploy.ministack import HOST, PortInUseError

API_PREFIX = "/api"
COGNITO_PATH = "/cognito/"
CONFIRM_PATH = "/_sandbox/confirm-sign-up"
RESET_CODE_PATH = "/_sandbox/password-reset-code"
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
CONFIG_PATH = "/config.json"
# What a browser may send for a static file, and what of the distribution's answer it gets
# (not CloudFront's own Via/X-Cache/X-Amz-Cf-* nor connection headers).
SITE_REQUEST_HEADERS = ("If-None-Match", "If-Modified-Since", "User-Agent")
SITE_RESPONSE_HEADERS = (
    "Content-Type", "Cache-Control", "ETag", "Last-Modified", "Strict-Transport-Security",
    "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
)  # fmt: skip


@dataclass(frozen=True)
class DeployedSite:
    """The console's distribution in ministack, and what the sandbox changes about it."""

    endpoint_url: str  # ministack, which serves the distribution by Host header
    distribution_domain: str  # <id>.cloudfront.net
    content_security_policy: str  # the distribution's CSP with the sandbox's origins
    config_overrides: dict[str, Any]  # config.json keys only the sandbox has


class BadRequestBody(Exception):
    """A request body the console's server refuses before forwarding it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

# A browser that closes a tab or aborts a load mid-request: nothing to answer, nothing broken.
DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A disconnect is a one-line note, not socketserver's traceback; the rest as usual."""
        error = sys.exc_info()[1]
        if isinstance(error, DISCONNECTS):
            print(f"web console: {client_address[0]} disconnected ({type(error).__name__})",
                  file=sys.stderr)  # fmt: skip
            return
        super().handle_error(request, client_address)


class WebServer:
    """Binds at construction (so a taken port fails early); ``start()`` begins serving.

    ``configure()`` supplies what only exists after the deploy: the deployed site, the API
    URL, the Cognito endpoint and the sign-up confirmer.
    """

    def __init__(self, port: int = 0) -> None:
        handler = type("BoundHandler", (_Handler,), {"site": self})
        try:
            self._server = _QuietServer((HOST, port), handler)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise
        self._server.daemon_threads = True
        self.deployed: DeployedSite | None = None
        self.api_url = ""
        self.cognito_url = ""
        self.confirm_sign_up: Callable[[str], None] | None = None
        self.password_reset_code: Callable[[str], str | None] | None = None
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
        site: DeployedSite | None,
        api_url: str,
        cognito_url: str,
        confirm_sign_up: Callable[[str], None] | None = None,
        password_reset_code: Callable[[str], str | None] | None = None,
    ) -> None:
        self.deployed, self.api_url, self.cognito_url = site, api_url.rstrip("/"), cognito_url
        self.confirm_sign_up = confirm_sign_up
        self.password_reset_code = password_reset_code

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
    # Every verb goes through _answer, so every request gets an HTTP response: a refused
    # body is its JSON 4xx, and anything unforeseen a JSON 500, never a dropped connection.
    def do_GET(self) -> None:
        self._answer(self._get)

    def do_HEAD(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def do_PUT(self) -> None:
        self._answer(self._proxy_or_404)

    def do_DELETE(self) -> None:
        self._answer(self._proxy_or_404)

    def do_OPTIONS(self) -> None:
        self._answer(self._proxy_or_404)

    def _answer(self, route: Callable[[], None]) -> None:
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in self.path):
            # A raw control character cannot be sent on to the distribution or the API.
            return self._error(400, "invalid_path", "The path holds a control character.")
        try:
            route()
        except BadRequestBody as error:
            self._error(error.status, error.code, error.message)
        except DISCONNECTS:
            self.close_connection = True  # the browser left: there is no one to answer
        except Exception:  # noqa: BLE001 - the answer is a 500; the console shows it
            self.close_connection = True  # the request may be half read
            self._error(500, "internal_error", "The sandbox console server failed.")

    def _get(self) -> None:
        path = urlsplit(self.path).path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return self._proxy_api()
        return self._static(path)

    def _post(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(API_PREFIX + "/"):
            return self._proxy_api()
        if path == COGNITO_PATH:
            return self._proxy_cognito()
        if path == CONFIRM_PATH:
            return self._confirm()
        if path == RESET_CODE_PATH:
            return self._reset_code()
        self._error(404, "not_found", "No such route.")

    def _proxy_or_404(self) -> None:
        if urlsplit(self.path).path.startswith(API_PREFIX + "/"):
            return self._proxy_api()
        self._error(404, "not_found", "No such route.")

    # -- the deployed console -------------------------------------------------------------
    def _static(self, path: str) -> None:
        site = self.site.deployed
        if site is None:
            return self._error(503, "not_ready", "The sandbox is still starting.")
        try:
            status, headers, body = _fetch_from_distribution(site, self.command, self.path, {
                h: self.headers[h] for h in SITE_REQUEST_HEADERS if self.headers[h]})  # fmt: skip
        except OSError as error:
            return self._error(502, "upstream_unreachable", f"The console's distribution: {error}")
        if path == CONFIG_PATH and status == 200 and self.command == "GET":
            body = json.dumps({**json.loads(body), **site.config_overrides}, indent=2).encode()
        kept = {h: headers[h] for h in SITE_RESPONSE_HEADERS if headers.get(h)}
        kept["Content-Security-Policy"] = site.content_security_policy
        kind = kept.pop("Content-Type", "application/octet-stream")
        self._send(status, body, kind, kept)

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
        email = self._email_in_body()
        if email is None:
            return self._error(400, "invalid_body", "Send {\"email\": \"...\"}.")
        try:
            self.site.confirm_sign_up(email)
        except Exception as error:  # the console shows the message and offers the code form
            return self._error(400, "confirm_failed", str(error))
        self._send_json(200, {"confirmed": True})

    # -- sandbox-only password reset code ---------------------------------------------------
    def _reset_code(self) -> None:
        """The code ForgotPassword just "emailed" (ministack records it), for the reset form."""
        if self.site.password_reset_code is None:
            return self._error(404, "not_found", "Password reset codes are not offered here.")
        email = self._email_in_body()
        if email is None:
            return self._error(400, "invalid_body", "Send {\"email\": \"...\"}.")
        try:
            code = self.site.password_reset_code(email)
        except OSError as error:
            return self._error(502, "upstream_unreachable", f"ministack's mail: {error}")
        if code is None:
            return self._error(404, "no_code", "No code was sent to that address.")
        self._send_json(200, {"code": code})

    def _email_in_body(self) -> str | None:
        try:
            document = json.loads(self._body() or b"{}")
        except (ValueError, RecursionError):  # RecursionError: a deeply nested document
            document = None
        email = document.get("email") if isinstance(document, dict) else None
        if not isinstance(email, str) or "@" not in email or not _is_text(email):
            return None
        return email

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
        extra = extra or {}
        if "Cache-Control" not in extra:
            self.send_header("Cache-Control", "no-store")
        if "X-Content-Type-Options" not in extra:
            self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _fetch_from_distribution(
    site: DeployedSite, method: str, path: str, headers: dict[str, str]
) -> tuple[int, Any, bytes]:
    """One viewer request to the distribution, as if over HTTPS (the browser's hop to this
    server is plain http on localhost; the distribution would redirect it otherwise)."""
    endpoint = urlsplit(site.endpoint_url)
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    try:
        connection.request(method, path, headers={
            **headers, "Host": site.distribution_domain, "X-Forwarded-Proto": "https"})  # fmt: skip
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _is_text(value: str) -> bool:
    """False for a string holding an unpaired surrogate (``json`` accepts ``"\\ud800"``)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
