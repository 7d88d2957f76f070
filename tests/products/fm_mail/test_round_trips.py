"""A listing page costs the round trips of plain imaplib's page, each command one write.

Against a mail provider every IMAP command waits one network round trip, and a command
written in two pieces can wait 40 ms more (Nagle's algorithm holding the second piece for
the server's delayed ACK). These tests hold the conversation of one page to: login,
EXAMINE (the read-only SELECT), UID SEARCH, one UID FETCH, LOGOUT, each written whole.
"""

from __future__ import annotations

import socket

from fm_mail import connection, guard


def _commands(sent: list[bytes]) -> list[str]:
    return [b" ".join(line.split()[1:3]).decode().upper() for line in sent]


def test_a_page_is_the_six_commands_of_plain_imaplib_each_one_write(mail_env, call, imap_writes):
    status, body = call("/v1/mail/messages", {"imap": mail_env.imap("bob"), "limit": 10})
    assert status == 200 and len(body["messages"]) == 10
    commands = [c for c in _commands(imap_writes) if not c.startswith("CAPABILITY")]
    assert commands == [
        "AUTHENTICATE PLAIN",
        'EXAMINE "INBOX"',  # read-only SELECT
        "UID SEARCH",
        "UID FETCH",
        "LOGOUT",
    ]
    assert all(line.endswith(b"\r\n") and line.count(b"\r\n") == 1 for line in imap_writes)
    # At most the one CAPABILITY imaplib sends when the greeting does not carry them.
    assert sum(c.startswith("CAPABILITY") for c in _commands(imap_writes)) <= 1


def test_filters_go_in_the_one_search(mail_env, call, imap_writes):
    request = {"imap": mail_env.imap(), "since": "2026-03-10", "before": "2026-06-01"}
    status, _ = call("/v1/mail/messages", {**request, "unseen": True})
    assert status == 200
    search = next(line for line in imap_writes if b" UID SEARCH " in line)
    assert b"SINCE 10-Mar-2026 BEFORE 01-Jun-2026 UNSEEN" in search


def test_connections_send_each_write_at_once():
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        port = listener.getsockname()[1]
        address = guard.VettedAddress(socket.AF_INET, ("127.0.0.1", port), "127.0.0.1")
        sock = connection._connect([address], timeout=5)
        try:
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        finally:
            sock.close()
    finally:
        listener.close()


def test_the_session_ends_without_waiting_for_the_servers_bye(mail_env, call, monkeypatch):
    events: list[str] = []
    send, readline = connection._PinnedTLS.send, connection._PinnedTLS.readline

    def sending(self: connection._PinnedTLS, data: bytes) -> None:
        events.append("LOGOUT" if b" LOGOUT" in data else "send")
        send(self, data)

    def reading(self: connection._PinnedTLS) -> bytes:
        events.append("read")
        return readline(self)

    monkeypatch.setattr(connection._PinnedTLS, "send", sending)
    monkeypatch.setattr(connection._PinnedTLS, "readline", reading)
    status, body = call("/v1/mail/messages", {"imap": mail_env.imap("bob"), "limit": 5})
    assert status == 200 and len(body["messages"]) == 5
    assert events[-1] == "LOGOUT"  # nothing read after it
