"""Failed dependencies become 503 so that callers (and Stripe) retry.

Only a real failure is a 503. A ``ClientError`` whose code says the *request* was invalid
(a key longer than DynamoDB allows, a malformed id) is not a dependency failing: retrying it
can never succeed. The boundary refuses such values first; one that still slips through is
logged as an error and answered 400, never a 503 that has Stripe retry for three days.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from apisales.domain.errors import DependencyUnavailable
from apisales.http.errors import error_response

# AWS error codes that mean "this request can never succeed", not "try again".
# (API Gateway's BadRequestException is left out: there it can mean a misconfigured plan.)
REFUSED_REQUEST_CODES = frozenset(
    {"ValidationException", "InvalidParameterException", "SerializationException"}
)


def install_dependency_handlers(
    app: APIGatewayRestResolver, logger: Any, extra: tuple[type[Exception], ...] = ()
) -> None:
    @app.exception_handler([DependencyUnavailable, BotoCoreError, ClientError, *extra])
    def _unavailable(exc: Exception) -> Response[str]:
        if _refused_request(exc):
            logger.exception("a dependency refused the request as invalid",
                             extra={"error_type": type(exc).__name__})  # fmt: skip
            return error_response(
                HTTPStatus.BAD_REQUEST, "invalid_request",
                "a value in the request cannot be used; it will not work on retry",
            )
        logger.exception("dependency failed", extra={"error_type": type(exc).__name__})
        return error_response(
            HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", "a dependency failed; try again"
        )


def _refused_request(exc: Exception) -> bool:
    if isinstance(exc, ParamValidationError):  # boto3 refused it before sending
        return True
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code") in REFUSED_REQUEST_CODES
    return False
