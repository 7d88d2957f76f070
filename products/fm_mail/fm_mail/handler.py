"""FM Mail product routes (API key enforced by API Gateway before this Lambda runs).

All routes are POST because IMAP credentials travel in the JSON body, never in a URL.
The mail package (IMAP, MIME) is imported on first use so a cold start that only answers
a validation error stays cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales.contract import RequestContract
from apisales.http.boundary import install_boundary, request_body
from apisales.http.errors import error_response, install_error_handlers
from apisales.observability import tracer_for
from fm_mail.errors import MailError
from fm_mail.limits import MAX_REQUEST_BYTES

Q = TypeVar("Q")
R = TypeVar("R")

logger = Logger()
tracer = tracer_for([])  # no AWS or HTTP library: the handler's span, the IMAP call's below
app = APIGatewayRestResolver()
install_error_handlers(app, logger)
# Size, JSON, depth, surrogates and the schema of FM Mail's own contract: before the routes.
install_boundary(app, MAX_REQUEST_BYTES, RequestContract(Path(__file__).with_name("requests.json")))

# One table from machine-readable code to HTTP status. IMAP credential failures use 422,
# not 401/403, which clients read as "your API key is wrong".
STATUS_BY_CODE: dict[str, int] = {
    "invalid_field": 400,
    "missing_field": 400,
    "unknown_field": 400,
    "invalid_cursor": 400,
    "address_not_allowed": 400,
    "port_not_allowed": 400,
    "host_not_found": 400,
    "imap_auth_failed": 422,
    "mailbox_not_found": 404,
    "message_not_found": 404,
    "attachment_not_found": 404,
    "uidvalidity_changed": 409,
    "attachment_too_large": 413,
    "message_too_large": 413,
    "imap_unreachable": 502,
    "imap_tls_failed": 502,
    "imap_protocol_error": 502,
    "imap_timeout": 504,
}


@app.exception_handler(MailError)
def _mail_error(exc: MailError) -> Response:
    status = STATUS_BY_CODE.get(exc.code, HTTPStatus.BAD_GATEWAY)
    logger.info("mail request refused", extra={"code": exc.code, "status": status})
    return error_response(status, exc.code, exc.message, field=exc.field)


def _body() -> Any:
    return request_body(app)


def _run(operation: str, call: Callable[[Q], R], query: Q, host: str) -> R:
    # Log the operation, target host and outcome only: never credentials or mail content.
    started = time.monotonic()
    try:
        with tracer.provider.in_subsegment(f"## imap {operation}") as span:
            span.put_annotation("imap_host", host)
            result = call(query)
    except MailError as exc:
        logger.info(
            "mail call failed",
            extra={"operation": operation, "imap_host": host, "code": exc.code},
        )
        raise
    logger.info(
        "mail call done",
        extra={
            "operation": operation,
            "imap_host": host,
            "ms": round((time.monotonic() - started) * 1000),
        },
    )
    return result


@app.post("/v1/mail/mailboxes")
def mailboxes() -> dict[str, Any]:
    from fm_mail import request, service

    settings = request.parse_mailboxes(_body())
    return _run("mailboxes", service.list_mailboxes, settings, settings.host)


@app.post("/v1/mail/messages")
def messages() -> Response:
    from fm_mail import request, service

    query = request.parse_list(_body())
    page = _run("messages", service.list_messages, query, query.imap.host)
    # Serialised message by message while the page was fitted to the cap: joined, not redone.
    return Response(HTTPStatus.OK, content_types.APPLICATION_JSON, page.as_json())


@app.post("/v1/mail/attachment")
def attachment() -> dict[str, Any]:
    from fm_mail import request, service

    query = request.parse_attachment(_body())
    return _run("attachment", service.get_attachment, query, query.imap.host)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
