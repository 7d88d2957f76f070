"""A listing page is one FETCH for short mail; longer mail is completed by a second one.

The page's FETCH asks for each message's size, flags, date and first bytes; mail shorter
than those bytes (most of it) is then whole. These tests hold the listing to the same
answer whatever the first-bytes length, and the download to the page's budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from fm_mail import mime, service
from fm_mail.connection import PinnedClient

MESSAGES = "/v1/mail/messages"


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each UID FETCH the listing sends: its items and the literal bytes it brought."""
    seen: list[tuple[str, int]] = []
    original = PinnedClient.uid_fetch_stream

    def counted(self: PinnedClient, uids: list[int], items: str) -> Iterator[list[Any]]:
        seen.append((items, 0))
        for answer in original(self, uids, items):
            literal = sum(len(entry[1]) for entry in answer if isinstance(entry, tuple))
            seen[-1] = (items, seen[-1][1] + literal)
            yield answer

    monkeypatch.setattr(PinnedClient, "uid_fetch_stream", counted)
    return seen


def _listing(call, imap: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = call(MESSAGES, {"imap": imap, "limit": 100})
    assert status == 200, body
    return body["messages"]


def test_short_mail_is_listed_from_one_fetch(mail_env, call, fetches):
    messages = _listing(call, mail_env.imap("bob"))
    assert len(messages) == 25 and all(m["text"] for m in messages)
    assert len(fetches) == 1 and "BODY.PEEK[]<0." in fetches[0][0]


@pytest.mark.parametrize("head_bytes", [1, 100, 4_000])
def test_listing_is_the_same_whatever_the_first_bytes(mail_env, call, monkeypatch, head_bytes):
    whole = _listing(call, mail_env.imap())
    monkeypatch.setattr(service, "_head_bytes", lambda _candidates: head_bytes)
    assert _listing(call, mail_env.imap()) == whole
    assert any(m["attachments"] for m in whole) and any(m["partial"] for m in whole) is False


def test_download_stays_within_the_page_budget(mail_env, call, monkeypatch, fetches):
    budget = 5_000_000
    monkeypatch.setattr(service, "MAX_PAGE_FETCH_BYTES", budget)
    request: dict[str, Any] = {"imap": mail_env.imap(), "since": "2026-07-01"}
    pages = 0
    while True:
        fetches.clear()
        status, body = call(MESSAGES, request)
        assert status == 200, body
        assert body["messages"], "every page makes progress"
        # Headers of mail too big to list whole come on top, a few kB at most. A message
        # bigger than the budget still makes a page of its own (progress), with the first
        # bytes of the others (half the budget at most).
        downloaded = sum(size for _, size in fetches)
        alone = len(body["messages"]) == 1 and body["messages"][0]["size"] > budget
        limit = body["messages"][0]["size"] + budget // 2 if alone else budget
        assert downloaded <= limit + 64_000
        pages += 1
        if not body["next_cursor"]:
            break
        request["cursor"] = body["next_cursor"]
    assert pages >= 2


@pytest.mark.parametrize("ignored_in", ["page FETCH", "rest FETCH"])
def test_a_server_that_ignores_partial_ranges_lists_the_same(
    mail_env, call, monkeypatch, ignored_in
):
    whole = _listing(call, mail_env.imap())
    monkeypatch.setattr(service, "_head_bytes", lambda _candidates: 100)
    original = PinnedClient.uid_fetch_stream

    def ignoring(self: PinnedClient, uids: list[int], items: str) -> Iterator[list[Any]]:
        page_fetch = "RFC822.SIZE" in items
        if page_fetch == (ignored_in == "page FETCH"):
            items = re.sub(r"<\d+\.\d+>", "", items)  # BODY.PEEK[]: answered as BODY[]
        return original(self, uids, items)

    monkeypatch.setattr(PinnedClient, "uid_fetch_stream", ignoring)
    assert _listing(call, mail_env.imap()) == whole


@pytest.fixture
def fetch_done(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the page's FETCH had been read to its end, at each message described."""
    done = {"fetch": False}
    original_stream = PinnedClient.uid_fetch_stream

    def watched(self: PinnedClient, uids: list[int], items: str) -> Iterator[list[Any]]:
        done["fetch"] = False
        yield from original_stream(self, uids, items)
        done["fetch"] = True

    seen: list[bool] = []
    original_describe = mime.describe

    def noting(raw: bytes) -> dict[str, Any]:
        seen.append(done["fetch"])
        return original_describe(raw)

    monkeypatch.setattr(PinnedClient, "uid_fetch_stream", watched)
    monkeypatch.setattr(mime, "describe", noting)
    return seen


def test_short_mail_is_described_while_the_fetch_still_arrives(mail_env, call, fetch_done):
    """The server sends the rest of the page meanwhile: its time and ours overlap."""
    messages = _listing(call, mail_env.imap("bob"))
    assert len(messages) == 25 and fetch_done == [False] * 25


@pytest.mark.parametrize("head_bytes", [None, 300])
def test_describing_early_lists_what_describing_after_lists(
    mail_env, call, monkeypatch, fetch_done, head_bytes
):
    if head_bytes is not None:  # some mail whole in the page's FETCH, some completed after
        monkeypatch.setattr(service, "_head_bytes", lambda _candidates: head_bytes)
    early = _listing(call, mail_env.imap())
    assert False in fetch_done and (head_bytes is None or True in fetch_done)
    monkeypatch.setattr(service._EarlyDescriptions, "__call__", lambda self, uid, values: None)
    fetch_done.clear()
    assert _listing(call, mail_env.imap()) == early
    assert fetch_done and all(fetch_done)


def test_a_message_described_early_is_described_again_if_its_bytes_changed():
    early = service._EarlyDescriptions([7], head_bytes=1_000)
    first = b"Subject: first\r\n\r\nbody\r\n"
    early(7, {b"BODY[]<0>": first})
    assert early.describe(7, first)["subject"] == "first"
    assert early.describe(7, b"Subject: second\r\n\r\nbody\r\n")["subject"] == "second"
