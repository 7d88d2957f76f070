"""Failed dependencies become 503 so that callers (and Stripe) retry."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from botocore.exceptions import BotoCoreError, ClientError

from apisales.domain.errors import DependencyUnavailable
from apisales.http.errors import error_response


def install_dependency_handlers(
    app: APIGatewayRestResolver, logger: Any, extra: tuple[type[Exception], ...] = ()
) -> None:
    @app.exception_handler([DependencyUnavailable, BotoCoreError, ClientError, *extra])
    def _unavailable(exc: Exception):
        logger.exception("dependency failed", extra={"error_type": type(exc).__name__})
        return error_response(
            HTTPStatus.SERVICE_UNAVAILABLE, "unavailable", "a dependency failed; try again"
        )
