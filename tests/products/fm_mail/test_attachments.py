"""Downloading attachments byte for byte, and the limits around it."""

from __future__ import annotations

import base64

import pytest

ATTACHMENT = "/v1/mail/attachment"
MESSAGES = "/v1/mail/messages"


@pytest.fixture
def uids(mail_env, call) -> dict[str, int]:
    """Sample key → UID, read from a listing (UIDs follow the seeding order)."""
    _, body = call(MESSAGES, {"imap": mail_env.imap()})
    ordered = sorted(m["uid"] for m in body["messages"])
    return {s.key: uid for s, uid in zip(mail_env.alice, ordered, strict=True)}


def _samples_with_attachments(server):
    return [(s, a) for s in server.alice for a in s.attachments if len(a.data) <= 4_000_000]


def test_every_attachment_round_trips_byte_for_byte(mail_env, call, uids):
    pairs = _samples_with_attachments(mail_env)
    assert len(pairs) == 5  # four in "attachments", the 3 MB one in "big"
    for sample, attachment in pairs:
        request = {"imap": mail_env.imap(), "uid": uids[sample.key], "part": attachment.part}
        status, body = call(ATTACHMENT, request)
        assert status == 200, (sample.key, attachment.part, body)
        assert base64.b64decode(body["content_base64"]) == attachment.data
        assert body["filename"] == attachment.filename
        assert body["content_type"] == attachment.content_type
        assert body["size"] == len(attachment.data)


def test_attachment_over_starttls_with_matching_uidvalidity(mail_env, call, uids):
    _, listing = call(MESSAGES, {"imap": mail_env.imap(), "limit": 1})
    request = {
        "imap": mail_env.imap(security="starttls"),
        "uid": uids["attachments"],
        "part": "2",
        "uidvalidity": listing["uidvalidity"],
    }
    status, body = call(ATTACHMENT, request)
    assert status == 200 and body["filename"] == "請求書.pdf"
    request["uidvalidity"] = listing["uidvalidity"] + 1
    status, body = call(ATTACHMENT, request)
    assert status == 409 and body["error"]["code"] == "uidvalidity_changed"


def test_attachment_larger_than_the_cap_is_refused(mail_env, call, uids):
    request = {"imap": mail_env.imap(), "uid": uids["huge"], "part": "2"}
    status, body = call(ATTACHMENT, request)
    assert status == 413 and body["error"]["code"] == "attachment_too_large"


def test_missing_part_and_missing_message(mail_env, call, uids):
    status, body = call(ATTACHMENT, {"imap": mail_env.imap(), "uid": uids["ascii"], "part": "7"})
    assert status == 404 and body["error"]["code"] == "attachment_not_found"
    status, body = call(ATTACHMENT, {"imap": mail_env.imap(), "uid": 999_999, "part": "2"})
    assert status == 404 and body["error"]["code"] == "message_not_found"


def test_nested_part_id_reaches_the_html_alternative(mail_env, call, uids):
    request = {"imap": mail_env.imap(), "uid": uids["attachments"], "part": "1.2"}
    status, body = call(ATTACHMENT, request)
    assert status == 200 and body["content_type"] == "text/html"
    assert b"cid:logo@x" in base64.b64decode(body["content_base64"])
