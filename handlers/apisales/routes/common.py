"""Resolver setup shared by the route modules: CORS, JSON errors, 503 for dependencies, and
the input boundary."""

from __future__ import annotations

import os
from http import HTTPStatus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response

from apisales.domain.errors import AccountClosed
from apisales.http.boundary import install_boundary
from apisales.http.dependencies import install_dependency_handlers
from apisales.http.errors import error_response, install_error_handlers


def make_app(
    logger: Logger, extra_dependency_errors: tuple[type[Exception], ...] = ()
) -> APIGatewayRestResolver:
    cors = CORSConfig(
        allow_origin=os.environ.get("CORS_ALLOW_ORIGIN", "*"),
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app = APIGatewayRestResolver(cors=cors)
    install_error_handlers(app, logger)
    install_dependency_handlers(app, logger, extra_dependency_errors)
    install_boundary(app)

    @app.exception_handler(AccountClosed)
    def _account_closed(_exc: AccountClosed) -> Response[str]:
        # A token issued before the deletion still passes the authorizer for up to an hour.
        return error_response(HTTPStatus.GONE, "account_deleted",
                              "this account is deleted (or being deleted)")

    return app
