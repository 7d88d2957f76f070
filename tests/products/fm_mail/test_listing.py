"""Listing mailboxes and messages from a real Dovecot through the Lambda handler."""

from __future__ import annotations

import pytest
from conftest import BOB_COUNT

MESSAGES = "/v1/mail/messages"


def _by_subject(messages: list[dict]) -> dict[str, dict]:
    return {m["subject"]: m for m in messages}


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_lists_messages_newest_first_over_tls_and_starttls(mail_env, call, security):
    status, body = call(MESSAGES, {"imap": mail_env.imap(security=security)})
    assert status == 200, body
    assert body["mailbox"] == "INBOX" and body["uidvalidity"] > 0
    uids = [m["uid"] for m in body["messages"]]
    assert uids == sorted(uids, reverse=True) and len(uids) == len(mail_env.alice)
    assert body["next_cursor"] is None


def test_decodes_japanese_mail_in_every_charset(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap()})
    assert status == 200
    got = _by_subject(body["messages"])
    for sample in mail_env.alice:
        if sample.subject is None:
            continue
        message = got[sample.subject]  # subject decoded from RFC 2047 (UTF-8, JIS, SJIS)
        if sample.text_contains:
            assert sample.text_contains in message["text"], sample.key
        if sample.html_contains:
            assert sample.html_contains in message["html"], sample.key
    utf8 = got["会議の議事録について"]
    assert utf8["from"] == [{"name": "山田 太郎", "address": "yamada@example.jp"}]
    assert utf8["to"] == [{"name": "Alice", "address": "alice@example.jp"}]
    assert utf8["date"] == "2026-03-10T09:30:00+09:00"
    assert utf8["message_id"].endswith("@example.jp>")
    assert utf8["flags"] == [] and utf8["partial"] is False
    assert got["お見積りのご送付"]["from"][0]["name"] == "佐藤 花子"
    assert "\\Seen" in got["Weekly report"]["flags"]


def test_attachment_metadata_with_rfc2231_and_rfc2047_names(mail_env, call):
    _, body = call(MESSAGES, {"imap": mail_env.imap()})
    message = _by_subject(body["messages"])["Invoice and data"]
    sample = next(s for s in mail_env.alice if s.key == "attachments")
    listed = [
        (a["part"], a["filename"], a["content_type"], a["size"]) for a in message["attachments"]
    ]
    expected = [(a.part, a.filename, a.content_type, len(a.data)) for a in sample.attachments]
    assert listed == expected
    inline = next(a for a in message["attachments"] if a["part"] == "4")
    assert inline["disposition"] == "inline" and inline["content_id"] == "logo@x"


def test_malformed_message_does_not_break_the_listing(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap()})
    assert status == 200
    broken = [m for m in body["messages"] if m["parse_error"]]
    assert len(broken) == 1
    assert broken[0]["uid"] == max(m["uid"] for m in body["messages"])  # the newest one
    assert broken[0]["date"] is None  # "yesterday-ish" is not a date; no crash either


def test_since_before_and_unseen_filters(mail_env, call):
    imap = mail_env.imap()
    _, since = call(MESSAGES, {"imap": imap, "since": "2026-06-01"})
    assert {m["subject"] for m in since["messages"]} >= {"Invoice and data", "Big file big"}
    assert "Weekly report" not in {m["subject"] for m in since["messages"]}
    assert len(since["messages"]) == 4  # Jun 1, Jul 1, Jul 2, Aug 1 (internal dates)
    _, window = call(MESSAGES, {"imap": imap, "since": "2026-03-01", "before": "2026-05-01"})
    subjects = [m["subject"] for m in window["messages"]]
    assert subjects == ["お見積りのご送付", "会議の議事録について"]
    _, unseen = call(MESSAGES, {"imap": imap, "unseen": True})
    assert unseen["messages"] and all("\\Seen" not in m["flags"] for m in unseen["messages"])
    expected_unseen = sum(1 for s in mail_env.alice if "\\Seen" not in s.flags)
    assert len(unseen["messages"]) == expected_unseen


def test_listing_does_not_mark_mail_as_seen(mail_env, call):
    imap = mail_env.imap()
    _, first = call(MESSAGES, {"imap": imap, "unseen": True})
    _, again = call(MESSAGES, {"imap": imap, "unseen": True})
    assert [m["uid"] for m in again["messages"]] == [m["uid"] for m in first["messages"]]


def test_pagination_walks_every_message_once(mail_env, call):
    imap = mail_env.imap("bob")
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        request = {"imap": imap, "limit": 10}
        if cursor:
            request["cursor"] = cursor
        status, body = call(MESSAGES, request)
        assert status == 200, body
        seen += [m["uid"] for m in body["messages"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == BOB_COUNT == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_pagination_with_a_filter_and_a_foreign_cursor(mail_env, call):
    imap = mail_env.imap("bob")
    _, page1 = call(MESSAGES, {"imap": imap, "limit": 3, "unseen": True})
    follow = {"imap": imap, "limit": 3, "unseen": True, "cursor": page1["next_cursor"]}
    _, page2 = call(MESSAGES, follow)
    assert not {m["uid"] for m in page1["messages"]} & {m["uid"] for m in page2["messages"]}
    assert all("\\Seen" not in m["flags"] for m in page1["messages"] + page2["messages"])
    # A cursor issued for one query cannot be replayed on another (here: no filter).
    status, body = call(MESSAGES, {"imap": imap, "cursor": page1["next_cursor"]})
    assert status == 400 and body["error"]["code"] == "invalid_cursor"
    status, body = call(MESSAGES, {"imap": imap, "cursor": "not-a-cursor"})
    assert status == 400 and body["error"]["field"] == "cursor"


def test_mailboxes_lists_folders_with_decoded_names(mail_env, call):
    status, body = call("/v1/mail/mailboxes", {"imap": mail_env.imap(security="starttls")})
    assert status == 200, body
    names = {m["name"] for m in body["mailboxes"]}
    assert {"INBOX", "Archive", "アーカイブ", "アーカイブ/2025"} <= names
    assert all(m["delimiter"] == "/" for m in body["mailboxes"])


def test_lists_a_mailbox_with_a_japanese_name(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap(), "mailbox": "アーカイブ/2025"})
    assert status == 200 and body["messages"] == [] and body["next_cursor"] is None


def test_base64_encoded_event_body_is_accepted(mail_env, call):
    status, body = call("/v1/mail/mailboxes", {"imap": mail_env.imap()}, base64_body=True)
    assert status == 200, body
