"""Real-shaped API Gateway REST (v1) proxy events and a Lambda context for the handlers."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from typing import Any


@dataclass
class FakeContext:
    function_name: str = "api-sales-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:api-sales-test"
    aws_request_id: str = "req"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def claims_for(user_id: str, email: str | None = None) -> dict[str, Any]:
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_OID, user_id)),
        "cognito:username": user_id,
        "email": email or f"{user_id}@example.com",
        "email_verified": "true",
        "token_use": "id",
        "aud": "client123",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test",
    }


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    body: str | bytes | dict[str, Any] | None = None,
    user: str | None = None,
    claims: Any = None,
    headers: dict[str, str] | None = None,
    base64_body: bool = False,
    stage: str = "api",
) -> dict[str, Any]:
    """An API Gateway REST proxy event as Lambda receives it (AWS_PROXY integration)."""
    if isinstance(body, dict):
        body = json.dumps(body)
    raw = body if isinstance(body, bytes) else body.encode() if body is not None else None
    if base64_body and raw is not None:
        body_field: str | None = base64.b64encode(raw).decode()
    else:
        body_field = raw.decode("utf-8", "surrogateescape") if raw is not None else None
    all_headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com",
                   "Content-Type": "application/json", **(headers or {})}
    if user is not None and claims is None:
        claims = claims_for(user)
    authorizer = {"claims": claims} if claims is not None else None
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "accountId": "000000000000",
            "apiId": "abc123",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
            **({"authorizer": authorizer} if authorizer is not None else {}),
        },
        "body": body_field,
        "isBase64Encoded": base64_body,
    }


def call(handler: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = handler(event, FakeContext())
    body = response.get("body") or "{}"
    return response["statusCode"], json.loads(body)
