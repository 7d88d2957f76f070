"""Caps that keep a response inside Lambda's payload limit without losing mail."""

from __future__ import annotations

import json

from fm_mail import mime, service

MESSAGES = "/v1/mail/messages"


def test_response_cap_ends_the_page_early_and_the_cursor_resumes(mail_env, call, monkeypatch):
    monkeypatch.setattr(service, "MAX_RESPONSE_BYTES", 3_000)
    imap = mail_env.imap()
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        request = {"imap": imap, "limit": 100, **({"cursor": cursor} if cursor else {})}
        status, body = call(MESSAGES, request)
        assert status == 200, body
        assert body["messages"], "every page makes progress"
        size = len(json.dumps(body, separators=(",", ":")))
        assert size <= 3_000 or len(body["messages"]) == 1
        seen += [m["uid"] for m in body["messages"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages > 1
    assert len(seen) == len(set(seen)) == len(mail_env.alice)


def test_long_bodies_are_truncated_and_flagged(mail_env, call, monkeypatch):
    monkeypatch.setattr(mime, "MAX_BODY_CHARS", 10)
    status, body = call(MESSAGES, {"imap": mail_env.imap(), "since": "2026-03-10", "limit": 100})
    assert status == 200
    message = next(m for m in body["messages"] if m["subject"] == "会議の議事録について")
    assert message["text"] == "本日の会議の議事録です。\r\nよ"[:10]
    assert message["text_truncated"] is True and message["html_truncated"] is True


def test_message_too_big_to_fetch_is_listed_with_headers_only(mail_env, call, monkeypatch):
    monkeypatch.setattr(service, "MAX_MESSAGE_FETCH_BYTES", 1_000_000)
    status, body = call(MESSAGES, {"imap": mail_env.imap(), "since": "2026-07-01"})
    assert status == 200
    big = {m["subject"]: m for m in body["messages"]}["Big file big"]
    assert big["partial"] is True and big["attachments"] == [] and big["text"] is None
    assert big["size"] > 4_000_000 and big["from"][0]["address"] == "sender@example.jp"
    status, err = call(
        "/v1/mail/attachment", {"imap": mail_env.imap(), "uid": big["uid"], "part": "2"}
    )
    assert status == 413 and err["error"]["code"] == "message_too_large"


def test_page_download_budget_splits_big_messages_across_pages(mail_env, call, monkeypatch):
    monkeypatch.setattr(service, "MAX_PAGE_FETCH_BYTES", 5_000_000)
    status, body = call(MESSAGES, {"imap": mail_env.imap(), "since": "2026-07-01"})
    assert status == 200
    # Newest first: the small malformed message fits; "huge" (6 MB) would overrun the
    # budget, so the page ends and "huge" leads the next page alone (progress is kept).
    assert len(body["messages"]) == 1 and body["messages"][0]["parse_error"]
    assert body["next_cursor"] is not None
    total = [m["uid"] for m in body["messages"]]
    while body["next_cursor"]:
        request = {"imap": mail_env.imap(), "since": "2026-07-01", "cursor": body["next_cursor"]}
        _, body = call(MESSAGES, request)
        total += [m["uid"] for m in body["messages"]]
    assert len(total) == len(set(total)) == 3
