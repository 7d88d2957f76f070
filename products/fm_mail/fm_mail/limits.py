"""Caps that keep one call inside Lambda/API Gateway limits (response payload ~6 MB)."""

from __future__ import annotations

import os

# JSON we return, measured as Powertools serialises it (ASCII-escaped). 4.5 MB leaves
# headroom under the 6 MB Lambda response limit for headers and the envelope.
MAX_RESPONSE_BYTES = 4_500_000
# Raw attachment bytes: base64 makes 4,000,000 into 5,333,336 bytes, still under 6 MB.
MAX_ATTACHMENT_BYTES = 4_000_000
# A message larger than this is listed with headers only (no bodies/attachment list).
MAX_MESSAGE_FETCH_BYTES = 25_000_000
# Total message bytes downloaded for one listing page; the page ends early past it.
MAX_PAGE_FETCH_BYTES = 40_000_000
# Each of text / html per message, in characters; longer bodies are cut and flagged.
MAX_BODY_CHARS = 200_000
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_MAILBOXES = 1_000
MAX_REQUEST_BYTES = 16_384


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def connect_timeout() -> float:
    """Seconds to open the TCP connection (env ``IMAP_CONNECT_TIMEOUT``, default 10)."""
    return _env_float("IMAP_CONNECT_TIMEOUT", 10.0)


def read_timeout() -> float:
    """Seconds any single read may wait (env ``IMAP_READ_TIMEOUT``, default 20)."""
    return _env_float("IMAP_READ_TIMEOUT", 20.0)


def session_deadline() -> float:
    """Seconds a whole IMAP session may take (env ``IMAP_DEADLINE``, default 25).

    The read timeout bounds one read only: a server that drips a byte at a time would
    otherwise hold the call past API Gateway's 29 s limit, which answers 504 anyway while
    the function keeps running (and billing).
    """
    return _env_float("IMAP_DEADLINE", 25.0)
