"""MIME parsing: one message's bytes → JSON-ready summary, bodies and attachment list.

Part ids follow IMAP section numbering (``1``, ``2``, ``2.1`` ...) so they mean the same
thing to the caller as to any IMAP client. A ``message/rfc822`` part is one attachment (an
``.eml``); we do not descend into forwarded messages. Parsing never raises: a message we
cannot understand is still listed, with ``parse_error`` set.
"""

from __future__ import annotations

import email.errors
import email.header
import email.message
import email.utils
import re
from typing import Any

from fm_mail import header_shapes, mime_email, mime_split
from fm_mail.charsets import decode_bytes
from fm_mail.limits import MAX_BODY_CHARS
from fm_mail.mime_parts import Fields, Leaf, ParsedMessage

_MAX_HEADER_CHARS = 4_000
_MAX_ADDRESSES = 100
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Inline parts of these types without a file name are the message's text, not attachments.
_BODY_TYPES = ("text/plain", "text/html")


def parse(raw: bytes) -> ParsedMessage:
    """Headers and leaf parts of ``raw``: split fast when it is plain, else by ``email``."""
    try:
        parsed = mime_split.split(raw)
    except Exception:  # noqa: BLE001 - the fast path is only an optimisation
        parsed = None
    return parsed if parsed is not None else mime_email.parse(raw)


def decode_header_value(raw: str) -> str:
    """Decode an unparsed header value: RFC 2047 words, raw 8-bit or ISO-2022-JP bytes."""
    if raw.isascii() and "\n" not in raw and "=?" not in raw and "\x1b" not in raw:
        return raw.strip()[:_MAX_HEADER_CHARS]  # plain text: what decode_words returns
    return decode_words(raw)


def decode_words(raw: str) -> str:
    """decode_header_value the long way, for any value (and for the tests to compare)."""
    value = _FOLD.sub("", raw).strip()
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value[:_MAX_HEADER_CHARS]  # already text (a str we built), keep it
    if not data.isascii() or b"\x1b" in data:
        return decode_bytes(data, None)[:_MAX_HEADER_CHARS]
    if "=?" not in value:
        return value[:_MAX_HEADER_CHARS]
    words = header_shapes.encoded_words(value)  # the common shape, read without the stdlib
    if words is not None:
        return "".join(decode_bytes(word, charset) for word, charset in words)[:_MAX_HEADER_CHARS]
    try:
        chunks = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return value[:_MAX_HEADER_CHARS]
    text = "".join(
        decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    )
    return text[:_MAX_HEADER_CHARS]


def _header(fields: Fields, name: str) -> str | None:
    values = fields.get(name)
    return decode_header_value(values[0]) if values else None


def _addresses(values: list[str]) -> list[dict[str, str]]:
    if not values:
        return []
    raw = [_FOLD.sub("", v) if "\n" in v else v for v in values]
    pairs = header_shapes.addresses(", ".join(raw))
    if pairs is None:
        pairs = email.utils.getaddresses(raw)
    result = []
    for display, addr in pairs[:_MAX_ADDRESSES]:
        if not addr and not display:
            continue
        result.append({"name": decode_header_value(display), "address": addr})
    return result


def _date(values: list[str]) -> str | None:
    raw = decode_header_value(values[0]) if values else None
    if not raw:
        return None
    fast = header_shapes.date(raw)
    if fast is not None:
        return fast
    try:
        return email.utils.parsedate_to_datetime(raw).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _param(fields: Fields, header: str, name: str) -> str | None:
    """A header parameter with RFC 2231 (charset'lang'%XX, continuations) or RFC 2047 words."""
    raw = fields.get(header.lower())
    if not raw or name not in raw[0].lower():
        return None  # (no parameter without its name in the text: skips the param parser)
    shaped = header_shapes.params(raw[0], extended=True)
    if shaped is not None:
        plain = shaped.get(name)  # get_param puts plain parameters before RFC 2231 ones
        if plain is not None:
            return decode_header_value(email.utils.unquote(plain))
        encoded = shaped.get(name + "*")
        if encoded is None:
            return None
        found = header_shapes.rfc2231(encoded)
        if found is not None:
            return decode_bytes(found[1].encode("latin-1"), found[0] or "utf-8").strip()
    legacy = email.message.Message()  # compat32 keeps 2231 values undecoded: we pick charsets
    legacy[header] = _FOLD.sub("", raw[0])
    value = legacy.get_param(name, None, header)
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _lang, text = value
        try:
            return decode_bytes(text.encode("latin-1"), charset or "utf-8").strip()
        except UnicodeEncodeError:
            return text.strip()
    return decode_header_value(email.utils.unquote(value))


def filename(fields: Fields) -> str | None:
    name = _param(fields, "Content-Disposition", "filename") or _param(
        fields, "Content-Type", "name"
    )
    if not name:
        return None
    # Callers save files under this name: strip any path and control characters.
    if not name.isprintable():  # (no control character in it otherwise)
        name = _CONTROL_CHARACTERS.sub("", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:255] or None


def _disposition(fields: Fields) -> str | None:
    raw = fields.get("content-disposition")
    return raw[0].split(";", 1)[0].strip().lower() if raw else None


def attachment_info(pid: str, leaf: Leaf, data: bytes) -> dict[str, Any]:
    """Metadata of a leaf part whose decoded content is ``data``."""
    return _attachment(pid, leaf.fields, leaf.content_type, filename(leaf.fields), len(data))


def _attachment(
    pid: str, fields: Fields, ctype: str, name: str | None, size: int
) -> dict[str, Any]:
    cid = _header(fields, "content-id")
    if name is None and ctype == "message/rfc822":
        name = "message.eml"
    return {
        "part": pid,
        "filename": name,
        "content_type": ctype,
        "size": size,
        "disposition": _disposition(fields) or "attachment",
        "content_id": cid.strip("<>") if cid else None,
    }


def _text(leaf: Leaf) -> str:
    return decode_bytes(leaf.content(), leaf.charset())


def summary(raw: Fields) -> dict[str, Any]:
    """The message's own headers, read for the listing."""
    message_id, subject = raw.get("message-id"), raw.get("subject")
    return {
        "message_id": decode_header_value(message_id[0]) if message_id else None,
        "date": _date(raw.get("date", [])),
        "from": _addresses(raw.get("from", [])),
        "to": _addresses(raw.get("to", [])),
        "cc": _addresses(raw.get("cc", [])),
        "reply_to": _addresses(raw.get("reply-to", [])),
        "subject": decode_header_value(subject[0]) if subject else None,
    }


def describe(raw: bytes) -> dict[str, Any]:
    """Summary, text/html bodies (capped) and attachment metadata of one message."""
    result: dict[str, Any] = {
        "message_id": None,
        "date": None,
        "from": [],
        "to": [],
        "cc": [],
        "reply_to": [],
        "subject": None,
        "text": None,
        "html": None,
        "text_truncated": False,
        "html_truncated": False,
        "attachments": [],
        "parse_error": None,
    }
    try:
        parsed = parse(raw)
        result.update(summary(parsed.headers))
        texts: list[str] = []
        for pid, leaf in parsed.leaves:
            fields, ctype = leaf.fields, leaf.content_type
            name = filename(fields)
            if ctype in _BODY_TYPES and name is None and _disposition(fields) != "attachment":
                if ctype == "text/plain":
                    texts.append(_text(leaf))
                    continue
                if result["html"] is None:
                    result["html"] = _text(leaf)
                    continue
            size = leaf.content_size()
            result["attachments"].append(_attachment(pid, fields, ctype, name, size))
        if texts:
            result["text"] = "\n".join(texts)
        for key in ("text", "html"):
            if result[key] is not None and len(result[key]) > MAX_BODY_CHARS:
                result[key] = result[key][:MAX_BODY_CHARS]
                result[f"{key}_truncated"] = True
        if parsed.has_defects:
            result["parse_error"] = "message has MIME defects; content shown as well as possible"
    except Exception as exc:  # noqa: BLE001 - one bad message must not break a listing
        result["parse_error"] = f"message could not be parsed ({type(exc).__name__})"
    return result


def find_part(raw: bytes, part_id: str) -> tuple[dict[str, Any], bytes] | None:
    """Metadata and decoded bytes of section ``part_id``, or None when it does not exist."""
    for pid, leaf in parse(raw).leaves:
        if pid == part_id:
            data = leaf.content()  # decoded once: up to 25 MB of base64
            return attachment_info(pid, leaf, data), data
    return None
