"""The three FM Mail operations: list mailboxes, list messages, fetch one attachment.

Each opens one IMAP session, reads only (``SELECT`` read-only, ``BODY.PEEK``: listing
never marks mail as seen) and returns plain JSON-ready dicts.
"""

from __future__ import annotations

import base64
import imaplib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from imapclient import IMAPClient
from imapclient.datetime_util import format_criteria_date

from fm_mail import cursor, fetch_response, mime
from fm_mail.connection import PinnedClient, session
from fm_mail.errors import (
    AttachmentNotFound,
    MailboxNotFound,
    MessageNotFound,
    StaleState,
    TooLarge,
)
from fm_mail.limits import (
    MAX_ATTACHMENT_BYTES,
    MAX_MAILBOXES,
    MAX_MESSAGE_FETCH_BYTES,
    MAX_PAGE_FETCH_BYTES,
    MAX_RESPONSE_BYTES,
)
from fm_mail.request import AttachmentQuery, ImapSettings, ListQuery

_MAX_ATTACHMENTS_LISTED = 500


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _select(client: IMAPClient, mailbox: str) -> int:
    """Open ``mailbox`` read-only and return its UIDVALIDITY."""
    try:
        info = client.select_folder(mailbox, readonly=True)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error:
        raise MailboxNotFound(f"mailbox {mailbox!r} does not exist", field="mailbox") from None
    client.normalise_times = False  # keep the server's time zone in INTERNALDATE
    return int(info.get(b"UIDVALIDITY", 0))


def list_mailboxes(settings: ImapSettings) -> dict[str, Any]:
    with session(settings) as client:
        folders = client.list_folders()
    return {
        "mailboxes": [
            {
                "name": _text(name),
                "delimiter": _text(delim) if delim else None,
                "flags": [_text(f) for f in flags],
            }
            for flags, delim, name in folders[:MAX_MAILBOXES]
        ],
        "truncated": len(folders) > MAX_MAILBOXES,
    }


def _json(value: Any) -> str:
    # As Powertools serialises (ensure_ascii: the worst case for CJK), so each message is
    # serialised once, measured by that text, and the page is joined from the texts.
    return json.dumps(value, separators=(",", ":"))


def _fit(item: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Shrink one message so that it alone fits the response cap (bodies go first); return
    it with its JSON text (serialised once more only when a body was dropped)."""
    if len(item.get("attachments", [])) > _MAX_ATTACHMENTS_LISTED:
        item["attachments"] = item["attachments"][:_MAX_ATTACHMENTS_LISTED]
        item["attachments_truncated"] = True
    text = _json(item)
    for key in ("html", "text"):
        if len(text) <= MAX_RESPONSE_BYTES // 2:
            break
        if item.get(key):
            item[key] = None
            item[f"{key}_truncated"] = True
            text = _json(item)
    return item, text


@dataclass(frozen=True)
class MessagePage:
    """One page of a listing, its messages already serialised (see ``as_json``)."""

    mailbox: str
    uidvalidity: int
    messages: list[dict[str, Any]]
    message_texts: list[str]  # the JSON of each message, as measured against the cap
    next_cursor: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mailbox": self.mailbox,
            "uidvalidity": self.uidvalidity,
            "messages": self.messages,
            "next_cursor": self.next_cursor,
        }

    def as_json(self) -> str:
        """``json.dumps(self.as_dict(), separators=(",", ":"))``, from the messages' texts."""
        return (
            f'{{"mailbox":{_json(self.mailbox)},"uidvalidity":{_json(self.uidvalidity)},'
            f'"messages":[{",".join(self.message_texts)}],'
            f'"next_cursor":{_json(self.next_cursor)}}}'
        )


def _criteria(query: ListQuery, before_uid: int | None) -> list[str]:
    """SEARCH keys, each an IMAP atom (dates as RFC 3501 writes them)."""
    criteria: list[str] = []
    if query.since:
        criteria += ["SINCE", format_criteria_date(query.since).decode("ascii")]
    if query.before:
        criteria += ["BEFORE", format_criteria_date(query.before).decode("ascii")]
    if query.unseen:
        criteria.append("UNSEEN")
    if before_uid is not None:
        criteria += ["UID", f"1:{before_uid - 1}"]
    return criteria or ["ALL"]


def _fetch(
    client: PinnedClient,
    uids: list[int],
    items: str,
    on_record: Callable[[int, dict[bytes, Any]], None] | None = None,
) -> dict[int, dict[bytes, Any]]:
    """``UID FETCH`` of ``items``, keyed by UID; ``on_record`` sees each message's items as
    its answer arrives."""
    if not uids:
        return {}
    return fetch_response.parse_answers(client.uid_fetch_stream(uids, items), uids, on_record)


_MIN_HEAD_BYTES = 16_384


def _head_bytes(candidates: int) -> int:
    """Bytes of each candidate fetched with its size: half the page's budget at most, so
    most mail (smaller than this) comes whole in the page's one FETCH."""
    return max(_MIN_HEAD_BYTES, MAX_PAGE_FETCH_BYTES // (2 * max(candidates, 1)))


class _Head(NamedTuple):
    """A message's first bytes from the page's FETCH, and whether they are all of it."""

    data: bytes
    whole: bool


def _head(values: dict[bytes, Any], head_bytes: int) -> _Head:
    whole = values.get(b"BODY[]")
    if isinstance(whole, bytes):  # a server that ignores the partial range sends it all
        return _Head(whole, True)
    data = values.get(b"BODY[]<0>", b"")
    data = data if isinstance(data, bytes) else b""
    return _Head(data, len(data) < head_bytes)  # shorter than asked: the server had no more


def _completed(head: _Head, rest: dict[bytes, Any], rest_key: bytes) -> bytes:
    """The whole message: its first bytes and the rest (or all of it, from a server that
    ignored the range)."""
    whole = rest.get(b"BODY[]")
    if isinstance(whole, bytes):
        return whole
    more = rest.get(rest_key, b"")
    return head.data + more if isinstance(more, bytes) else head.data


class _EarlyDescriptions:
    """Describes each message that the page's FETCH brings whole, as its answer arrives
    (answers of another shape are described later, from the parsed page).

    The rest of the page is still on its way meanwhile, so the transfer and the MIME
    decoding overlap instead of adding up: on a link of 100 Mbit/s the decoding hides behind
    the transfer (docs/fm-mail.md). On loopback there is little to hide behind.
    """

    def __init__(self, wanted: list[int], head_bytes: int) -> None:
        self._wanted = set(wanted)
        self._head_bytes = head_bytes
        self._described: dict[int, tuple[bytes, dict[str, Any]]] = {}

    def __call__(self, uid: int, values: dict[bytes, Any]) -> None:
        if uid not in self._wanted or not (b"BODY[]<0>" in values or b"BODY[]" in values):
            return
        head = _head(values, self._head_bytes)
        if head.whole:
            self._described[uid] = (head.data, mime.describe(head.data))

    def describe(self, uid: int, raw: bytes) -> dict[str, Any]:
        """``mime.describe(raw)``, done already when ``raw`` is what was described early."""
        early = self._described.get(uid)
        if early is not None and (early[0] is raw or early[0] == raw):
            return early[1]
        return mime.describe(raw)


def _plan_page(candidates: list[int], meta: dict, heads: dict[int, _Head]) -> list[int]:
    """Take candidates newest first until the page's download budget is spent. The first
    bytes of every candidate are already downloaded; each message then costs what is left
    of it (nothing for one listed with headers only)."""
    page: list[int] = []
    budget = MAX_PAGE_FETCH_BYTES - sum(len(head.data) for head in heads.values())
    for uid in candidates:
        if uid not in meta:  # expunged between SEARCH and FETCH
            continue
        size = int(meta[uid].get(b"RFC822.SIZE", 0))
        left = 0 if heads[uid].whole else max(size - len(heads[uid].data), 0)
        cost = left if size <= MAX_MESSAGE_FETCH_BYTES else 0
        if page and cost > budget:
            break
        budget -= cost
        page.append(uid)
    return page


def _message(
    uid: int,
    meta: dict,
    raw: bytes | None,
    header: bytes | None,
    describe: Callable[[int, bytes], dict[str, Any]],
) -> tuple[dict, str]:
    """One listed message and its JSON text."""
    internal = meta.get(b"INTERNALDATE")
    base = {
        "uid": uid,
        # \Recent is per-session noise (and gone in IMAP4rev2): a read-only SELECT sees it
        # differently on every call, so it is not a property of the message.
        "flags": [_text(f) for f in meta.get(b"FLAGS", ()) if f.lower() != b"\\recent"],
        "internal_date": internal.isoformat() if internal is not None else None,
        "size": int(meta.get(b"RFC822.SIZE", 0)),
    }
    if raw is not None:
        return _fit({**base, **describe(uid, raw), "partial": False})
    described = mime.describe(header or b"")
    described.update(text=None, html=None, attachments=[], partial=True)
    item = {**base, **described}
    return item, _json(item)


def list_messages(query: ListQuery) -> MessagePage:
    digest = cursor.query_digest(query.mailbox, query.since, query.before, query.unseen)
    with session(query.imap) as client:
        uidvalidity = _select(client, query.mailbox)
        before_uid = None
        if query.cursor:
            before_uid = cursor.decode(query.cursor, digest, uidvalidity).before_uid
        uids: list[int] = []
        if before_uid is None or before_uid > 1:
            uids = sorted(client.uid_search(_criteria(query, before_uid)), reverse=True)
        candidates = uids[: query.limit]
        # One FETCH for the page: sizes, flags, dates and each message's first bytes, which
        # hold all of most mail. Only longer messages need a second one for the rest.
        head_bytes = _head_bytes(len(candidates))
        early = _EarlyDescriptions(candidates, head_bytes)
        meta = _fetch(
            client,
            candidates,
            f"(RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[]<0.{head_bytes}>)",
            on_record=early,
        )
        heads = {uid: _head(values, head_bytes) for uid, values in meta.items()}
        page = _plan_page(candidates, meta, heads)
        too_big = {u for u in page if int(meta[u].get(b"RFC822.SIZE", 0)) > MAX_MESSAGE_FETCH_BYTES}
        longer = [u for u in page if u not in too_big and not heads[u].whole]
        rest = _fetch(client, longer, f"(BODY.PEEK[]<{head_bytes}.{MAX_MESSAGE_FETCH_BYTES}>)")
        headers = _fetch(client, sorted(too_big, reverse=True), "(BODY.PEEK[HEADER])")

    rest_key = f"BODY[]<{head_bytes}>".encode()
    bodies = {
        u: heads[u].data if heads[u].whole else _completed(heads[u], rest.get(u, {}), rest_key)
        for u in page
        if u not in too_big
    }
    messages: list[dict[str, Any]] = []
    texts: list[str] = []
    used = 1_000  # envelope and cursor
    for uid in page:
        item, text = _message(
            uid,
            meta[uid],
            bodies.get(uid),
            headers.get(uid, {}).get(b"BODY[HEADER]"),
            early.describe,
        )
        if messages and used + len(text) > MAX_RESPONSE_BYTES:
            break
        messages.append(item)
        texts.append(text)
        used += len(text) + 1  # and its comma
    more = len(messages) < len(uids)
    next_cursor = None
    if more and messages:
        next_cursor = cursor.encode(cursor.Cursor(uidvalidity, messages[-1]["uid"]), digest)
    return MessagePage(query.mailbox, uidvalidity, messages, texts, next_cursor)


def get_attachment(query: AttachmentQuery) -> dict[str, Any]:
    with session(query.imap) as client:
        uidvalidity = _select(client, query.mailbox)
        if query.uidvalidity is not None and query.uidvalidity != uidvalidity:
            raise StaleState(
                "the mailbox's UIDVALIDITY changed; list it again to get current uids",
                field="uidvalidity",
            )
        meta = client.fetch([query.uid], ["RFC822.SIZE"])
        if query.uid not in meta:
            raise MessageNotFound(f"no message with uid {query.uid}", field="uid")
        if int(meta[query.uid].get(b"RFC822.SIZE", 0)) > MAX_MESSAGE_FETCH_BYTES:
            raise TooLarge(
                f"message is larger than {MAX_MESSAGE_FETCH_BYTES} bytes",
                code="message_too_large",
                field="uid",
            )
        raw = client.fetch([query.uid], ["BODY.PEEK[]"]).get(query.uid, {}).get(b"BODY[]")
    if raw is None:
        raise MessageNotFound(f"no message with uid {query.uid}", field="uid")
    found = mime.find_part(raw, query.part)
    if found is None:
        raise AttachmentNotFound(f"message {query.uid} has no part {query.part}", field="part")
    info, data = found
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise TooLarge(
            f"attachment is {len(data)} bytes; the limit is {MAX_ATTACHMENT_BYTES}",
            code="attachment_too_large",
            field="part",
        )
    return {
        "mailbox": query.mailbox,
        "uidvalidity": uidvalidity,
        "uid": query.uid,
        **info,
        "content_base64": base64.b64encode(data).decode("ascii"),
    }
