"""Opaque pagination cursor: where the previous page stopped, for which query.

Listings run newest first by UID. The cursor carries the mailbox's UIDVALIDITY and the last
UID returned, so the next page is "UIDs below that one": stable while new mail arrives. A
digest of the query binds the cursor to the mailbox and filters it was issued for. The
cursor is not a secret and grants nothing; it is only base64url JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from fm_mail.errors import CursorInvalid, StaleState


@dataclass(frozen=True)
class Cursor:
    uidvalidity: int
    before_uid: int


def query_digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def encode(cursor: Cursor, digest: str) -> str:
    data = {"v": 1, "uv": cursor.uidvalidity, "u": cursor.before_uid, "q": digest}
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, digest: str, uidvalidity: int) -> Cursor:
    """Check ``token`` against the current query and mailbox, raise if it does not apply."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        cursor = Cursor(int(data["uv"]), int(data["u"]))
        ok = data.get("v") == 1 and data.get("q") == digest and cursor.before_uid >= 1
    except (binascii.Error, ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise CursorInvalid(
            "cursor is malformed or belongs to another query (mailbox and filters must match)",
            field="cursor",
        )
    if cursor.uidvalidity != uidvalidity:
        raise StaleState(
            "the mailbox was rebuilt on the server (UIDVALIDITY changed); list from the start",
            field="cursor",
        )
    return cursor
