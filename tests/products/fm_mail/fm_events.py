"""API Gateway REST (v1) proxy events shaped like the ones the product Lambda receives."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any


class FakeContext:
    function_name = "api-sales-product"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-northeast-1:123456789012:function:api-sales-product"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def rest_event(
    path: str,
    body: Any = None,
    method: str = "POST",
    raw_body: str | None = None,
    base64_body: bool = False,
    stage: str = "api",
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    if text is not None and base64_body:
        text = base64.b64encode(text.encode()).decode()
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.ap-northeast-1.amazonaws.com",
        "User-Agent": "fm-mail-tests/1.0",
        "X-Amzn-Trace-Id": "Root=1-67890abc-def0123456789abcdef01234",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "x-api-key": "test-api-key-value",
    }
    request_id = str(uuid.uuid4())
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": path,
            "httpMethod": method,
            "extendedRequestId": request_id,
            "requestTime": "25/Nov/2026:10:00:00 +0000",
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1795600000000,
            "requestId": request_id,
            "identity": {
                "sourceIp": "203.0.113.7",
                "userAgent": "fm-mail-tests/1.0",
                "apiKey": "test-api-key-value",
                "apiKeyId": "k3y1d",
            },
            "domainName": "abc123.execute-api.ap-northeast-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": text,
        "isBase64Encoded": base64_body,
    }
