"""FM Mail never logs the IMAP credentials nor the caller's API key, on any outcome.

The real handler runs against a real Dovecot: listings, an attachment, a wrong password,
a refused address, a bad cursor. Everything it writes is captured (tests/log_secrets.py) and
searched for the passwords (one with non-ASCII, quotes and a backslash, so every escaped
spelling is tried) and the ``x-api-key`` value the gateway passes through.
"""

from __future__ import annotations

import pytest
from conftest import USERS
from fm_events import rest_event

from fm_mail import handler as product
from tests.log_secrets import captured_logs, leaks

API_KEY = "test-api-key-value"  # fm_events puts it in every event's x-api-key header


def test_no_imap_credential_or_api_key_is_logged(
    mail_env, call, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rest_event("/v1/mail/mailboxes")["headers"]["x-api-key"] == API_KEY
    with captured_logs([product.logger]) as log:
        for user in USERS:
            call("/v1/mail/mailboxes", {"imap": mail_env.imap(user)})
        status, listing = call("/v1/mail/messages", {"imap": mail_env.imap("alice")})
        assert status == 200
        uid = next(m["uid"] for m in listing["messages"] if m["attachments"])
        call("/v1/mail/attachment", {"imap": mail_env.imap("alice"), "uid": uid, "part": "2"})
        status, _ = call("/v1/mail/messages",
                         {"imap": mail_env.imap("bob", password="wrong-" + USERS["dave"])})
        assert status == 422
        call("/v1/mail/messages", {"imap": mail_env.imap("dave", host="10.0.0.1")})
        call("/v1/mail/messages", {"imap": mail_env.imap("dave"), "cursor": USERS["dave"]})
    written = log.text + capsys.readouterr().out
    assert "mail call done" in written and "correlation_id" in written
    secrets = {f"password of {u}": p for u, p in USERS.items()}
    secrets["api_key"] = API_KEY
    assert leaks(written, secrets) == []
