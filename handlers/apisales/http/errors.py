"""One error shape for every route: ``{"error": {"code": ..., "message": ...}}``.

Route code raises :class:`ApiError` (or a subclass); :func:`install_error_handlers` turns it,
and every unexpected input problem Powertools detects, into a JSON 4xx. Anything else is a
5xx with a generic message: the details go to the log, never to the caller.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError


class ApiError(Exception):
    """An error the caller can act on; rendered as JSON with ``status``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field  # dotted path of the input to fix, when there is one


class BadRequest(ApiError):
    def __init__(self, message: str, code: str = "bad_request", field: str | None = None):
        super().__init__(HTTPStatus.BAD_REQUEST, code, message, field)


class Unauthorized(ApiError):
    def __init__(self, message: str = "missing or invalid token", code: str = "unauthorized"):
        super().__init__(HTTPStatus.UNAUTHORIZED, code, message)


class NotFound(ApiError):
    def __init__(self, message: str = "not found", code: str = "not_found") -> None:
        super().__init__(HTTPStatus.NOT_FOUND, code, message)


class Conflict(ApiError):
    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(HTTPStatus.CONFLICT, code, message)


class UnsupportedMediaType(ApiError):
    def __init__(self, message: str, code: str = "unsupported_media_type") -> None:
        super().__init__(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, code, message)


class PayloadTooLarge(ApiError):
    def __init__(self, message: str = "request body too large", code: str = "payload_too_large"):
        super().__init__(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, code, message)


def error_response(status: int, code: str, message: str, field: str | None = None) -> Response:
    """The shared error body; ``field`` (dotted path into the request) names the input to fix."""
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": error}),
    )


def install_error_handlers(app: APIGatewayRestResolver, logger: Any) -> None:
    """Register the JSON error shape on ``app`` (unknown route → 404, method → 405 via 404)."""

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, field=exc.field)

    @app.not_found
    def _not_found(_exc: NotFoundError):
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "no such route")

    @app.exception_handler(json.JSONDecodeError)
    def _bad_json(_exc: json.JSONDecodeError):
        return error_response(HTTPStatus.BAD_REQUEST, "invalid_json", "body is not valid JSON")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("unhandled error")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "internal error; try again"
        )
