"""boto3 clients: one session per container, each client made once.

Each ``boto3.session.Session()`` loads its own service and endpoint data, so one session for
all clients makes the cold start much cheaper. Each function's composition root calls
:func:`create_clients` with the services its role allows when the route module is imported
(``initialise()``), so Lambda's init phase pays for the clients and the first request does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, NoRegionError

if TYPE_CHECKING:  # the stubs are a dev dependency, never in a function's archive
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient

# Fail fast: a hung dependency should become a 5xx that Stripe retries, not a Lambda timeout.
_CONFIG = Config(
    connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3}
)

# A session is not thread-safe, its clients are: creation is serialised (tests use threads).
_lock = threading.Lock()
_session: boto3.session.Session | None = None
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """The container's client for ``service``, made from the container's one session."""
    found = _clients.get(service)
    if found is not None:
        return found
    global _session
    with _lock:
        if service not in _clients:
            if _session is None:
                _session = boto3.session.Session()
            # ``service`` is a runtime name here; the typed accessors below name it.
            _clients[service] = _session.client(service, config=_CONFIG)  # type: ignore[call-overload]
        return _clients[service]


def dynamodb() -> DynamoDBClient:
    return cast("DynamoDBClient", client("dynamodb"))


def apigateway() -> APIGatewayClient:
    return cast("APIGatewayClient", client("apigateway"))


def cognito() -> CognitoIdentityProviderClient:
    return cast("CognitoIdentityProviderClient", client("cognito-idp"))


def secretsmanager() -> SecretsManagerClient:
    return cast("SecretsManagerClient", client("secretsmanager"))


def ses() -> SESClient:
    return cast("SESClient", client("ses"))


def create_clients(services: Iterable[str]) -> None:
    """Make the clients for ``services`` now (at import: Lambda's init phase).

    Without a region (a test importing the module, never Lambda, which sets ``AWS_REGION``)
    they are made on first use instead, where the same error is then raised if still due.
    """
    try:
        for service in services:
            client(service)
    except NoRegionError:
        pass


def created_clients() -> list[str]:
    """The services a client has been made for so far (what the init phase paid for)."""
    return sorted(_clients)


def reset() -> None:
    """Drop the session and its clients (tests point the handlers at a fresh emulator)."""
    global _session
    with _lock:
        _session = None
        _clients.clear()


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def conditional_write(write: Callable[[], object]) -> bool:
    """Run a DynamoDB write with a ConditionExpression; False when the condition did not hold."""
    try:
        write()
        return True
    except ClientError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
