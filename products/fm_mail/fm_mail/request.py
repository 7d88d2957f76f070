"""Strict validation of FM Mail request bodies into typed values.

Unknown fields are rejected (a typo such as ``"unseen_only"`` must not silently widen a
query). Every error names the field as a dotted path, e.g. ``imap.port``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from fm_mail.errors import InvalidRequest
from fm_mail.limits import DEFAULT_LIMIT, MAX_LIMIT

_HOST_RE = re.compile(r"^[A-Za-z0-9._:-]{1,253}$")
_PART_RE = re.compile(r"^[1-9][0-9]{0,3}(\.[1-9][0-9]{0,3}){0,15}$")
_DEFAULT_PORTS = {"tls": 993, "starttls": 143}


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "tls" (implicit TLS, 993) or "starttls" (143); never plaintext
    username: str
    password: str

    def __repr__(self) -> str:  # keep credentials out of any log line or traceback
        return f"ImapSettings(host={self.host!r}, port={self.port}, security={self.security!r})"


@dataclass(frozen=True)
class ListQuery:
    imap: ImapSettings
    mailbox: str
    since: dt.date | None
    before: dt.date | None
    unseen: bool
    limit: int
    cursor: str | None


@dataclass(frozen=True)
class AttachmentQuery:
    imap: ImapSettings
    mailbox: str
    uid: int
    part: str
    uidvalidity: int | None


def _fail(field: str, message: str, code: str = "invalid_field") -> InvalidRequest:
    return InvalidRequest(f"{field}: {message}", code=code, field=field)


def _object(body: Any, allowed: set[str], required: set[str], prefix: str = "") -> dict:
    where = prefix.rstrip(".") or "body"
    if not isinstance(body, dict):
        raise _fail(where, "must be a JSON object")
    for key in body:
        if key not in allowed:
            raise _fail(f"{prefix}{key}", "unknown field", code="unknown_field")
    for key in sorted(required):
        if body.get(key) is None:
            raise _fail(f"{prefix}{key}", "is required", code="missing_field")
    return body


def _string(value: Any, field: str, max_len: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _fail(field, "must be a string")
    if (not value and not allow_empty) or len(value) > max_len:
        raise _fail(field, f"must be 1 to {max_len} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise _fail(field, "must not contain control characters")
    # json.loads lets "\ud800" through; IMAP (UTF-8 for AUTHENTICATE PLAIN, modified UTF-7
    # for mailbox names) cannot carry it, and it would fail mid-session as a protocol error.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(field, "must be Unicode text (it holds an unpaired surrogate)") from None
    return value


def _int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(field, f"must be an integer from {low} to {high}")
    return value


def _date(value: Any, field: str) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _fail(field, "must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(field, "must be a valid calendar date YYYY-MM-DD") from None


def parse_imap(body: Any) -> ImapSettings:
    imap = _object(
        body,
        {"host", "port", "security", "username", "password"},
        {"host", "username", "password"},
        prefix="imap.",
    )
    host = _string(imap["host"], "imap.host", 253)
    if not _HOST_RE.fullmatch(host):
        raise _fail("imap.host", "must be a DNS name or IP address in ASCII (punycode for IDN)")
    security = imap.get("security", "tls")
    if security not in _DEFAULT_PORTS:
        raise _fail("imap.security", 'must be "tls" or "starttls"')
    port = imap.get("port")
    port = _DEFAULT_PORTS[security] if port is None else _int(port, "imap.port", 1, 65535)
    return ImapSettings(
        host=host.lower(),
        port=port,
        security=security,
        username=_string(imap["username"], "imap.username", 320),
        password=_string(imap["password"], "imap.password", 1024),
    )


def _mailbox(body: dict) -> str:
    return _string(body.get("mailbox", "INBOX"), "mailbox", 512)


def parse_mailboxes(body: Any) -> ImapSettings:
    return parse_imap(_object(body, {"imap"}, {"imap"})["imap"])


def parse_list(body: Any) -> ListQuery:
    body = _object(
        body, {"imap", "mailbox", "since", "before", "unseen", "limit", "cursor"}, {"imap"}
    )
    unseen = body.get("unseen", False)
    if not isinstance(unseen, bool):
        raise _fail("unseen", "must be true or false")
    cursor = body.get("cursor")
    if cursor is not None:
        cursor = _string(cursor, "cursor", 512)
    limit = body.get("limit")
    return ListQuery(
        imap=parse_imap(body["imap"]),
        mailbox=_mailbox(body),
        since=_date(body.get("since"), "since"),
        before=_date(body.get("before"), "before"),
        unseen=unseen,
        limit=DEFAULT_LIMIT if limit is None else _int(limit, "limit", 1, MAX_LIMIT),
        cursor=cursor,
    )


def parse_attachment(body: Any) -> AttachmentQuery:
    body = _object(body, {"imap", "mailbox", "uid", "part", "uidvalidity"}, {"imap", "uid", "part"})
    part = _string(body["part"], "part", 80)
    if not _PART_RE.fullmatch(part):
        raise _fail("part", 'must be a MIME part id such as "2" or "1.2"')
    uidvalidity = body.get("uidvalidity")
    if uidvalidity is not None:
        uidvalidity = _int(uidvalidity, "uidvalidity", 1, 2**32 - 1)
    return AttachmentQuery(
        imap=parse_imap(body["imap"]),
        mailbox=_mailbox(body),
        uid=_int(body["uid"], "uid", 1, 2**32 - 1),
        part=part,
        uidvalidity=uidvalidity,
    )
