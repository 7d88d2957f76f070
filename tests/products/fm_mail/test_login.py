"""Login takes one round trip where the server allows it (SASL-IR), two where it does not."""

from __future__ import annotations

import base64

from fm_mail import connection

MAILBOXES = "/v1/mail/mailboxes"


def _after_auth(lines: list[bytes]) -> list[bytes]:
    start = next(i for i, line in enumerate(lines) if b" AUTHENTICATE PLAIN" in line)
    return lines[start:]


def test_credentials_go_with_the_command_when_the_server_offers_sasl_ir(
    mail_env, call, imap_writes
):
    status, body = call(MAILBOXES, {"imap": mail_env.imap("dave")})  # UTF-8 password
    assert status == 200, body
    auth, following = _after_auth(imap_writes)[:2]
    token = auth.split()[-1]
    assert base64.b64decode(token).split(b"\0")[1:] == [
        b"dave",
        mail_env.imap("dave")["password"].encode(),
    ]
    assert b" LIST " in following  # no challenge answered in between: one round trip


def test_without_sasl_ir_the_challenge_is_answered(mail_env, call, imap_writes, monkeypatch):
    offered = connection.PinnedClient.capabilities

    def without_ir(self: connection.PinnedClient) -> tuple[bytes, ...]:
        return tuple(c for c in offered(self) if c != b"SASL-IR")

    monkeypatch.setattr(connection.PinnedClient, "capabilities", without_ir)
    status, body = call(MAILBOXES, {"imap": mail_env.imap()})
    assert status == 200, body
    auth, answer = _after_auth(imap_writes)[:2]
    assert auth.rstrip().endswith(b"AUTHENTICATE PLAIN")
    assert base64.b64decode(answer.strip()).endswith(b"\0alice-pw-1")


def test_a_refused_initial_response_is_an_auth_failure(mail_env, call):
    status, body = call(MAILBOXES, {"imap": mail_env.imap(password="wrong")})
    assert status == 422 and body["error"]["code"] == "imap_auth_failed"
