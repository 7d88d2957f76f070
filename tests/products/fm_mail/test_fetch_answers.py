"""``connection.fetch_answers`` hands over a UID FETCH message by message, as it arrives.

It replaces imaplib's reading of the whole response, so it is held to imaplib's answer:
the same entries, in the same order, on a real Dovecot and on scripted servers that send
what servers may send in the middle of a FETCH (other untagged answers, continuation
requests, records with two literals, literals that look like protocol), and the same
failures (NO, BAD, BYE, a connection closed in the middle of a literal).
"""

from __future__ import annotations

import imaplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from itertools import chain
from typing import Any

import pytest

from fm_mail.connection import fetch_answers

# The items a listing asks for, and others with one or two literals per record.
ITEMS = [
    "(RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[]<0.300>)",
    "(RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[]<0.20000>)",
    "(BODY.PEEK[]<300.100000>)",
    "(BODY.PEEK[HEADER])",
    "(BODY.PEEK[HEADER] BODY.PEEK[TEXT])",
    "(RFC822.SIZE FLAGS)",
]


@pytest.fixture
def dovecot_session(mail_env) -> Iterator[imaplib.IMAP4]:
    context = ssl.create_default_context(cafile=mail_env.dovecot.ca_file)
    client = imaplib.IMAP4_SSL("127.0.0.1", mail_env.dovecot.tls_port, ssl_context=context)
    try:
        client.login("alice", "alice-pw-1")
        client.select("INBOX", readonly=True)
        yield client
    finally:
        client.logout()


@pytest.mark.parametrize("items", ITEMS)
def test_on_dovecot_the_answers_are_imaplibs_entries(dovecot_session, items):
    _, found = dovecot_session.uid("SEARCH", "ALL")
    uids = [int(u) for u in found[0].split()]
    assert len(uids) >= 5
    _, expected = dovecot_session.uid("FETCH", ",".join(map(str, uids)), items)
    answers = list(fetch_answers(dovecot_session, b"F1", uids, items))
    assert len(answers) == len(uids)
    assert list(chain.from_iterable(answers)) == expected


def test_answers_are_handed_over_before_the_fetch_completes(dovecot_session):
    """The first message's answer is usable while the rest of the FETCH is unread."""
    _, found = dovecot_session.uid("SEARCH", "ALL")
    uids = [int(u) for u in found[0].split()]
    answers = fetch_answers(dovecot_session, b"F1", uids, "(UID BODY.PEEK[])")
    first = next(answers)
    assert isinstance(first[0], tuple) and first[0][1].startswith(b"From: ")
    assert len(list(answers)) == len(uids) - 1
    # The session goes on as imaplib expects after the FETCH was read to its end.
    typ, _ = dovecot_session.noop()
    assert typ == "OK"


_PROTOCOL = b"F1 OK done\r\n* 2 FETCH {3}\r\n"  # our tag's completion, inside a message

# What a server may send around and inside a FETCH. "{tag}" is the command's tag.
MIDDLES = {
    "other untagged answers": (
        b"* 3 EXISTS\r\n* OK [ALERT] maintenance at noon\r\n"
        b"* 1 FETCH (UID 7 RFC822.SIZE 5 BODY[]<0> {5}\r\nHello)\r\n"
        b"* 2 EXPUNGE\r\n* 2 FETCH (UID 9 FLAGS (\\Seen))\r\n"
    ),
    "a continuation request": b"+ go on\r\n* 1 FETCH (UID 7 FLAGS ())\r\n",
    "two literals in one record": (
        b"* 1 FETCH (UID 7 BODY[HEADER] {12}\r\nSubject: x\r\n BODY[TEXT] {4}\r\nhi\r\n)\r\n"
    ),
    "literals that look like protocol": (
        b"* 1 FETCH (UID 7 BODY[] {%d}\r\n%s)\r\n" % (len(_PROTOCOL), _PROTOCOL)
        + b"* 2 FETCH (UID 8 BODY[] {0}\r\n)\r\n"
    ),
    "an answer without data": b"* 4 FETCH\r\n* 1 FETCH (UID 7 FLAGS ())\r\n",
}


def _scripted_server(answer: bytes) -> Callable[[], int]:
    """A loopback IMAP server that answers any FETCH with ``answer`` (then OK, or nothing
    when the answer ends the command itself, or the connection when it stops mid-line)
    and every other command with OK; returns a function that starts it and gives its
    port."""

    def start() -> int:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def serve() -> None:
            conn, _ = listener.accept()
            listener.close()
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
                for line in lines:
                    tag, command = line.split(b" ", 2)[:2]
                    if b"FETCH" in line.upper():
                        conn.sendall(answer.replace(b"{tag}", tag))
                        if not answer.endswith(b"\r\n"):
                            return  # cut off
                        if b"{tag} " in answer:
                            continue  # the script ends the command itself
                    elif command.upper() == b"SELECT":
                        conn.sendall(b"* 4 EXISTS\r\n")
                    conn.sendall(tag + b" OK done\r\n")
                    if command.upper() == b"LOGOUT":
                        return

        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1]

    return start


def _selected(port: int) -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    client.login("user", "pw")
    client.select("INBOX")
    return client


def _both(answer: bytes) -> tuple[Any, Any]:
    """The FETCH read by imaplib, then by fetch_answers (or the exception each raised)."""
    outcomes: list[Any] = []
    for read in (
        lambda c: c.uid("FETCH", "7,8,9", "(BODY.PEEK[])"),
        lambda c: list(chain.from_iterable(fetch_answers(c, b"F1", [7, 8, 9], "(BODY.PEEK[])"))),
    ):
        client = _selected(_scripted_server(answer)())
        try:
            outcomes.append(read(client))
        except Exception as exc:  # noqa: BLE001 - the outcome compared
            outcomes.append(type(exc))
        finally:
            client.shutdown()
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("middle", MIDDLES.values(), ids=MIDDLES.keys())
def test_scripted_answers_read_as_imaplib_reads_them(middle):
    by_imaplib, by_stream = _both(middle)
    typ, expected = by_imaplib
    assert typ == "OK" and by_stream == expected


FAILURES = {
    "NO": (b"* 1 FETCH (UID 7 FLAGS ())\r\n{tag} NO no such message\r\n", imaplib.IMAP4.error),
    "BAD": (b"{tag} BAD syntax\r\n", imaplib.IMAP4.error),
    "BYE": (b"* 1 FETCH (UID 7 FLAGS ())\r\n* BYE shutting down\r\n", imaplib.IMAP4.abort),
    "closed in a literal": (b"* 1 FETCH (UID 7 BODY[] {400}\r\nshort", imaplib.IMAP4.abort),
    "garbage": (b"HTTP/1.1 400 Bad Request\r\n", imaplib.IMAP4.abort),
}


@pytest.mark.parametrize(("answer", "raised"), FAILURES.values(), ids=FAILURES.keys())
def test_failures_raise_what_imaplib_raises(answer, raised):
    by_imaplib, by_stream = _both(answer)
    assert by_stream is raised
    # imaplib answers NO with a result instead of raising; the listing treats both alike.
    assert by_imaplib is raised or (isinstance(by_imaplib, tuple) and by_imaplib[0] == "NO")
