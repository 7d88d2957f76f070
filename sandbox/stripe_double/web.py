"""HTTP front: routes /v1 to the API, /c and /p to the hosted pages, /_double to controls.

Every failure becomes a Stripe error object (JSON) or an HTML message page, never a
traceback: unexpected exceptions are logged to stderr and answered with `api_error` 500.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import api, checkout, pages, payment_methods, subscriptions
from . import params as p
from . import portal as portal_config
from .errors import StripeError, invalid
from .formdata import parse_form
from .ids import new_id
from .store import API_VERSION

if TYPE_CHECKING:
    from .double import StripeDouble

MAX_BODY = 1 << 20
_PAY = re.compile(r"^/c/pay/(?P<id>cs_[A-Za-z0-9_]+)$")
_PORTAL = re.compile(r"^/p/session/(?P<id>bps_[A-Za-z0-9]+)$")
_PORTAL_ACTION = re.compile(
    r"^/p/session/(?P<id>bps_[A-Za-z0-9]+)/subscriptions/(?P<sub>sub_[A-Za-z0-9]+)/"
    r"(?P<action>cancel_at_period_end|cancel_now|resume)$"
)
_PORTAL_CARD = re.compile(r"^/p/session/(?P<id>bps_[A-Za-z0-9]+)/payment_method$")
_CONTROL_PAY = re.compile(r"^/_double/checkout/sessions/(?P<id>cs_[A-Za-z0-9_]+)/pay$")


class Handler(BaseHTTPRequestHandler):
    server_version = "StripeDouble/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each response
    # waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    double: StripeDouble  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        if self.double.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # Stripe answers other verbs with its error object too, not the stdlib's 501 page.
    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- plumbing -------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        try:
            parts = urlsplit(self.path)
            path = parts.path
            body = self._read_body()
            if path.startswith("/v1/"):
                self._api(method, path, parts.query, body)
            elif path.startswith("/_double/"):
                self._control(method, path, parts.query, body)
            else:
                self._page(method, path, body)
        except StripeError as err:
            self._json(err.status, err.to_dict())
        except Exception:  # never a traceback on the wire
            traceback.print_exc(file=sys.stderr)
            self._json(
                500, {"error": {"type": "api_error", "message": "Internal error in the double."}}
            )

    def _read_body(self) -> str:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise invalid("Invalid Content-Length header.") from None
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            raise invalid("Request body too large.")
        raw = self.rfile.read(length) if length else b""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid("Request body is not valid UTF-8.") from None

    def _send(
        self, status: int, content: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Request-Id", new_id("req_", 14))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def _json(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(body, indent=2).encode(), "application/json", headers)

    def _html(self, status: int, html: str) -> None:
        self._send(status, html.encode(), "text/html; charset=utf-8")

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "text/plain", {"Location": location})

    def _authorize(self) -> None:
        header = self.headers.get("Authorization") or ""
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except Exception:
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API "
                "key in the Authorization header, using Bearer auth.",
            )
        if key != self.double.api_key:
            shown = key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else "***"
            raise StripeError(401, f"Invalid API Key provided: {shown}")

    # -- /v1 ------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: str, body: str) -> None:
        self._authorize()
        params = parse_form(body if method == "POST" else query)
        status, payload, replayed = api.handle(
            self.double.ctx, method, path.rstrip("/"), params, self.headers.get("Idempotency-Key")
        )
        headers = {"Stripe-Version": self.headers.get("Stripe-Version") or API_VERSION}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        self._json(status, payload, headers)

    # -- /_double controls ----------------------------------------------------------------
    def _control(self, method: str, path: str, query: str, body: str) -> None:
        if path == "/_double/health":
            self._json(200, {"ok": True})
            return
        self._authorize()
        params = parse_form(body if method == "POST" else query)
        d = self.double
        if path == "/_double/clock" and method == "GET":
            self._json(200, {"now": d.now()})
        elif path == "/_double/clock/advance" and method == "POST":
            seconds, to = p.opt_int(params, "seconds"), p.opt_int(params, "to")
            try:
                now = d.advance_clock(seconds, to=to)
            except ValueError as exc:
                raise invalid(str(exc), param="seconds") from None
            self._json(200, {"now": now})
        elif path == "/_double/deliveries" and method == "GET":
            self._json(200, {"object": "list", "data": d.deliveries()})
        elif path == "/_double/deliveries/settings" and method == "POST":
            kwargs: dict[str, Any] = {}
            if "duplicate" in params:
                kwargs["duplicate"] = params["duplicate"] == "true"
            if "order" in params:
                kwargs["order"] = params["order"]
            for name in ("backoff", "timeout"):
                if name in params:
                    kwargs[name] = _float(params[name], name)
            if "max_attempts" in params:
                kwargs["max_attempts"] = int(_float(params["max_attempts"], "max_attempts"))
            try:
                d.configure_delivery(**kwargs)
            except ValueError as exc:  # the only value it refuses is an unknown order
                raise invalid(str(exc), param="order") from None
            self._json(200, {"ok": True})
        elif path == "/_double/deliveries/wait" and method == "POST":
            timeout = _float(params.get("timeout", "10"), "timeout")
            self._json(200, {"settled": d.wait_for_deliveries(min(timeout, 60))})
        elif path == "/_double/reset" and method == "POST":
            d.reset()
            self._json(200, {"ok": True})
        elif (m := _CONTROL_PAY.match(path)) and method == "POST":
            session = d.pay_checkout_session(
                m["id"], card=str(params.get("card") or ""), email=p.opt_str(params, "email")
            )
            self._json(200, session)
        else:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")

    # -- hosted pages ---------------------------------------------------------------------
    def _page(self, method: str, path: str, body: str) -> None:
        store = self.double.store
        if m := _PAY.match(path):
            session = store.get(m["id"], "checkout.session")
            if session is None:
                self._html(404, pages.message_page("Not found", "This checkout link is not valid."))
                return
            if method == "POST":
                self._pay(session, body)
                return
            if session["status"] == "complete":
                self._html(
                    200,
                    pages.message_page(
                        "Already paid", "This checkout session is complete.", _success(session)
                    ),
                )
            elif session["status"] == "expired":
                self._html(
                    200,
                    pages.message_page(
                        "Session expired",
                        "This checkout session has expired.",
                        session["cancel_url"],
                    ),
                )
            else:
                with store.lock:
                    self._html(200, pages.checkout_page(store, session))
            return
        if m := _PORTAL.match(path):
            portal = store.get(m["id"], "billing_portal.session")
            if portal is None:
                self._html(404, pages.message_page("Not found", "This portal link is not valid."))
                return
            notice = {
                "canceled_at_period_end": "Your subscription will end at the period end.",
                "resumed": "Your subscription was resumed.",
                "canceled_now": "Your subscription was canceled.",
                "payment_method_updated": "Your payment method was updated.",
                "invoice_paid": "Your payment method was updated and your open invoice was paid.",
                "invoice_unpaid": "Your payment method was saved, but the open invoice could "
                "not be paid with it.",
            }
            flag = urlsplit(self.path).query.removeprefix("done=")
            with store.lock:
                flow = portal.get("flow") or {}
                if flow.get("type") == "payment_method_update" and not _flow_done(store, portal):
                    # A deep link: the flow's page, not the portal's homepage.
                    self._html(200, pages.payment_method_page(store, portal))
                else:
                    self._html(200, pages.portal_page(store, portal, notice.get(flag)))
            return
        if m := _PORTAL_CARD.match(path):
            self._portal_card(m["id"], method, body)
            return
        if (m := _PORTAL_ACTION.match(path)) and method == "POST":
            self._portal_action(m["id"], m["sub"], m["action"])
            return
        if path in ("/", ""):
            self._html(200, pages.message_page("Stripe test double", "The API is under /v1."))
            return
        self._html(404, pages.message_page("Not found", "No such page."))

    def _pay(self, session: dict[str, Any], body: str) -> None:
        form = {k: v for k, v in parse_form(body).items() if isinstance(v, str)}
        try:
            with self.double.store.transaction():
                checkout.pay_session(
                    self.double.store,
                    session,
                    form.get("cardnumber", ""),
                    email=form.get("email"),
                    exp=form.get("exp", ""),
                    cvc=form.get("cvc", ""),
                    name=form.get("name"),
                )
        except StripeError as err:
            with self.double.store.lock:
                self._html(200, pages.checkout_page(self.double.store, session, err.message, form))
            return
        self._redirect(_success(session))

    def _portal_card(self, portal_id: str, method: str, body: str) -> None:
        """The payment-method form: GET shows it, POST saves the card and pays what is due."""
        store = self.double.store
        portal = store.get(portal_id, "billing_portal.session")
        if portal is None:
            self._html(404, pages.message_page("Not found", "This portal link is not valid."))
            return
        with store.lock:
            allowed = portal_config.feature_on(store, portal, "payment_method_update")
        if not allowed:
            self._html(403, pages.message_page(
                "Not allowed", "This portal does not offer payment-method updates."))  # fmt: skip
            return
        if method != "POST":
            with store.lock:
                self._html(200, pages.payment_method_page(store, portal))
            return
        form = {k: v for k, v in parse_form(body).items() if isinstance(v, str)}
        try:
            with store.transaction():
                outcome = payment_methods.update_default_card(
                    store, portal["customer"], form.get("cardnumber", ""),
                    form.get("exp", ""), form.get("cvc", ""),
                )  # fmt: skip
                store.meta.setdefault(portal_id, {})["flow_completed"] = True
                store.get(portal_id)  # its bookkeeping changed
        except StripeError as err:
            with store.lock:
                self._html(200, pages.payment_method_page(store, portal, err.message, form))
            return
        done = "invoice_unpaid" if outcome["failed"] else (
            "invoice_paid" if outcome["paid"] else "payment_method_updated")  # fmt: skip
        after = ((portal.get("flow") or {}).get("after_completion")) or {}
        if after.get("type") == "redirect":
            self._redirect(after["redirect"]["return_url"])
        elif after.get("type") == "hosted_confirmation":
            message = (after.get("hosted_confirmation") or {}).get("custom_message")
            self._html(200, pages.confirmation_page(portal, message))
        else:
            self._redirect(f"/p/session/{portal_id}?done={done}")

    def _portal_action(self, portal_id: str, sub_id: str, action: str) -> None:
        store = self.double.store
        portal = store.get(portal_id, "billing_portal.session")
        sub = store.get(sub_id, "subscription")
        if portal is None or sub is None or sub["customer"] != portal["customer"]:
            self._html(404, pages.message_page("Not found", "No such subscription."))
            return
        done = {
            "cancel_at_period_end": "canceled_at_period_end",
            "resume": "resumed",
            "cancel_now": "canceled_now",
        }[action]
        allowed = "immediately" if action == "cancel_now" else "at_period_end"
        with store.lock:
            mode = portal_config.cancel_mode(store, portal)
        if mode != allowed:
            self._html(403, pages.message_page(
                "Not allowed", "This portal does not offer that cancellation."))  # fmt: skip
            return
        try:
            with store.transaction():
                if action == "cancel_now":
                    subscriptions.cancel_now(store, sub)
                else:
                    subscriptions.set_cancel_at_period_end(
                        store, sub, action == "cancel_at_period_end"
                    )
        except StripeError as err:
            with store.lock:
                self._html(200, pages.portal_page(store, portal, err.message))
            return
        self._redirect(f"/p/session/{portal_id}?done={done}")


def _flow_done(store: Any, portal: dict[str, Any]) -> bool:
    return bool(store.meta.get(portal["id"], {}).get("flow_completed"))


def _success(session: dict[str, Any]) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise invalid(f"Invalid number: {name}", param=name) from None
    if not 0 <= number < 1e6:
        raise invalid(f"Invalid number: {name}", param=name)
    return number
