"""The HTTP API as data: which route goes to which function, behind which guard.

The API component builds API Gateway resources from this table, and the Deployment's
``triggers`` hash is computed from it, so a changed route always reaches the stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from infra.products import discover_products


class Auth(StrEnum):
    COGNITO = "cognito"  # Cognito user-pool authorizer; the user is the token's username
    API_KEY = "api_key"  # x-api-key, metered by the key's usage plan
    PUBLIC = "public"  # no authorizer: only the Stripe webhook, which checks its signature


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    auth: Auth
    function: str

    @property
    def resource_name(self) -> str:
        """Pulumi name of the Method; the policy pack recognises public routes by it."""
        return f"{self.method} {self.path}"


ACCOUNT = "account"
BILLING = "billing"
WEBHOOK = "webhook"
UPSTREAM = "upstream"  # no Lambda: API Gateway proxies the route to the seller's own API

ACCOUNT_ROUTES: tuple[Route, ...] = (
    Route("GET", "/account", Auth.COGNITO, ACCOUNT),
    Route("GET", "/account/api-key", Auth.COGNITO, ACCOUNT),
    Route("GET", "/account/usage", Auth.COGNITO, ACCOUNT),
    Route("POST", "/account/api-key", Auth.COGNITO, ACCOUNT),
    Route("POST", "/account/api-key/rotate", Auth.COGNITO, ACCOUNT),
    # The billing function: deleting an account cancels its subscription (Stripe), and the
    # account function never imports stripe (docs/cold-start.md).
    Route("DELETE", "/account", Auth.COGNITO, BILLING),
    Route("POST", "/billing/checkout", Auth.COGNITO, BILLING),
    Route("GET", "/billing/checkout/{session_id}", Auth.COGNITO, BILLING),
    Route("POST", "/billing/portal", Auth.COGNITO, BILLING),
)

WEBHOOK_ROUTE = Route("POST", "/stripe/webhook", Auth.PUBLIC, WEBHOOK)

# With `upstreamUrl` set, every method under /v1 is proxied to the seller's own API.
UPSTREAM_PROXY_ROUTE = Route("ANY", "/v1/{proxy+}", Auth.API_KEY, UPSTREAM)


def plugin_routes(products_dir: Path | None = None) -> tuple[Route, ...]:
    """The routes the product plug-ins declare (docs/products.md), behind the API key."""
    return tuple(
        Route(route.method, route.path, Auth.API_KEY, route.function)
        for product in discover_products(products_dir)
        for route in product.routes
    )


def product_routes(upstream_url: str | None) -> tuple[Route, ...]:
    return (UPSTREAM_PROXY_ROUTE,) if upstream_url else plugin_routes()


def all_routes(upstream_url: str | None) -> tuple[Route, ...]:
    routes = ACCOUNT_ROUTES + (WEBHOOK_ROUTE,) + product_routes(upstream_url)
    keys = [(route.method, route.path) for route in routes]
    if len(set(keys)) != len(keys):
        raise ValueError("a product declares a route the core already serves")
    return routes


def path_prefixes(routes: tuple[Route, ...]) -> list[str]:
    """Every path that needs an API Gateway Resource, parents before children."""
    prefixes: set[str] = set()
    for route in routes:
        parts = route.path.strip("/").split("/")
        for end in range(1, len(parts) + 1):
            prefixes.add("/" + "/".join(parts[:end]))
    return sorted(prefixes, key=lambda p: (p.count("/"), p))
