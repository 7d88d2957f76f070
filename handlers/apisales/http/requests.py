"""Request bodies: size limit, base64 decoding, and JSON documents that are safe to use.

A safe document is valid UTF-8, nests no deeper than a fixed depth (``json.loads`` would
otherwise raise ``RecursionError`` deep inside the decoder) and holds no unpaired UTF-16
surrogate in any string or key: ``json.loads`` accepts the escape ``"\\ud800"``, and such a
string cannot be encoded again (boto3, IMAP, logging all fail on it later, far from here).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from apisales.http.errors import BadRequest, PayloadTooLarge

DEFAULT_MAX_BODY_BYTES = 16 * 1024
DEFAULT_MAX_DEPTH = 32

# A JSON string (escapes skipped as a whole) or a bracket: what the depth scan looks at.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


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
        try:
            data = body.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate in the event's own text
            raise BadRequest("body is not valid UTF-8", "invalid_json") from exc
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is larger than {max_bytes} bytes")


def parse_document(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """``data`` as a JSON value, or a 400 saying why it is not a safe one."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body is not valid UTF-8", "invalid_json") from exc
    check_depth(text, max_depth)
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadRequest("body is not valid JSON", "invalid_json") from exc
    if _SURROGATE_ESCAPE.search(data):  # only \u escapes can make a lone surrogate
        check_text(value)
    return value


def check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise BadRequest(f"body nests deeper than {max_depth} levels", "invalid_json")
        elif token in "]}":
            depth -= 1


def check_text(value: Any, where: str = "") -> None:
    """Refuse an unpaired surrogate in any string or key of ``value``, naming where."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise _bad_text(path)
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if _SURROGATE.search(key):
                    raise _bad_text(path)
                stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))


def _bad_text(path: str) -> BadRequest:
    where = path or "body"
    return BadRequest(
        f"{where}: contains an unpaired UTF-16 surrogate (not Unicode text)", "invalid_text",
        field=where,
    )


def json_object(event: dict[str, Any], max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}``."""
    data = raw_body(event, max_bytes)
    if not data.strip():
        return {}
    value = parse_document(data)
    if not isinstance(value, dict):
        raise BadRequest("body must be a JSON object", "invalid_json")
    return value
