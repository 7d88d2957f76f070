"""Request bodies: size limit, base64 decoding, JSON objects only."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from apisales.http.errors import BadRequest, PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 16 * 1024


def raw_body(event: dict[str, Any], max_bytes: int) -> bytes:
    """The body exactly as sent (base64 undone), refusing anything over ``max_bytes``."""
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise BadRequest("body must be text")
    # base64 grows 4/3: a cheap early refusal before decoding.
    if len(body) > max_bytes * 4 // 3 + 4:
        raise _too_large(max_bytes)
    if event.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequest("body is not valid base64", "invalid_body") from exc
    else:
        data = body.encode("utf-8")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is larger than {max_bytes} bytes")


def json_object(event: dict[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    data = raw_body(event, max_bytes)
    if not data.strip():
        return {}
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("body is not valid JSON", "invalid_json") from exc
    if not isinstance(value, dict):
        raise BadRequest("body must be a JSON object", "invalid_json")
    return value
