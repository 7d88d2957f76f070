"""Fixtures for FM Mail: a real Dovecot on 127.0.0.1 and a way to call the Lambda handler."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import fm_corpus
import pytest
from fm_dovecot import Dovecot, dovecot_binary
from fm_events import FakeContext, rest_event

USERS = {
    "alice": "alice-pw-1",
    "bob": "bob-pw-2",
    "carol": "carol-pw-3",
    "dave": 'pässwörd "日本" \\ 1',  # non-ASCII, quote and backslash: must survive the wire
}
BOB_COUNT = 25
BOB_START = dt.datetime(2026, 1, 1, 12, 0, tzinfo=fm_corpus.JST)


class Server:
    def __init__(self, dovecot: Dovecot, alice: list[fm_corpus.Sample]) -> None:
        self.dovecot = dovecot
        self.alice = alice

    def imap(self, user: str = "alice", security: str = "tls", **over: Any) -> dict[str, Any]:
        port = self.dovecot.tls_port if security == "tls" else self.dovecot.starttls_port
        settings = {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "username": user,
            "password": USERS[user],
        }
        settings.update(over)
        return settings


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if dovecot_binary() is None:
        reason = "dovecot is not installed: apt-get install -y dovecot-imapd"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    dovecot = Dovecot(USERS).start()
    try:
        alice = fm_corpus.alice_inbox()
        dovecot.seed("alice", "INBOX", [(s.raw, s.flags, s.when) for s in alice])
        dovecot.seed("alice", "Archive", [])
        dovecot.seed("alice", "アーカイブ/2025", [])
        dovecot.seed("bob", "INBOX", fm_corpus.numbered(BOB_COUNT, BOB_START))
        yield Server(dovecot, alice)
    finally:
        dovecot.stop()


@pytest.fixture
def mail_env(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """Loopback allowed and the test CA trusted, as the sandbox configures the function."""
    monkeypatch.setenv("ALLOW_LOOPBACK_IMAP", "true")
    monkeypatch.setenv("IMAP_CA_BUNDLE", server.dovecot.ca_file)
    return server


Call = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def call() -> Call:
    """POST ``body`` to ``path`` through the Lambda handler; return (status, JSON body)."""
    from fm_mail import handler as product

    def _call(path: str, body: Any = None, **event_kw: Any) -> tuple[int, dict[str, Any]]:
        response = product.lambda_handler(rest_event(path, body, **event_kw), FakeContext())
        headers = {**response.get("headers", {}), **response.get("multiValueHeaders", {})}
        assert headers["Content-Type"] in ("application/json", ["application/json"])
        return response["statusCode"], json.loads(response["body"])

    return _call


@pytest.fixture
def imap_writes(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every write the plug-in's TLS sessions send, in order (a command line, or a piece)."""
    from fm_mail import connection

    sent: list[bytes] = []
    original = connection._PinnedTLS.send

    def recording(self: connection._PinnedTLS, data: bytes) -> None:
        sent.append(bytes(data))
        original(self, data)

    monkeypatch.setattr(connection._PinnedTLS, "send", recording)
    return sent
