"""Every expected failure is a clear 4xx/502/504 with a machine-readable code, never a 500."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

MESSAGES = "/v1/mail/messages"


def test_wrong_password_is_422_not_401(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap(password="wrong")})
    assert status == 422 and body["error"]["code"] == "imap_auth_failed"
    assert "wrong" not in body["error"]["message"]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_non_ascii_password_logs_in(mail_env, call, security):
    status, body = call("/v1/mail/mailboxes", {"imap": mail_env.imap("dave", security)})
    assert status == 200, body
    status, body = call("/v1/mail/mailboxes", {"imap": mail_env.imap("dave", password="pässwörd")})
    assert status == 422 and body["error"]["code"] == "imap_auth_failed"


def test_unknown_user_over_starttls(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap("carol", "starttls", username="nobody")})
    assert status == 422 and body["error"]["code"] == "imap_auth_failed"


def test_missing_mailbox_is_404(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap(), "mailbox": "No/Such/Box"})
    assert status == 404 and body["error"] == {
        "code": "mailbox_not_found",
        "message": "mailbox 'No/Such/Box' does not exist",
        "field": "mailbox",
    }


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_untrusted_certificate_is_a_tls_failure(mail_env, call, monkeypatch, security):
    monkeypatch.delenv("IMAP_CA_BUNDLE")  # the system trust store does not know the test CA
    status, body = call(MESSAGES, {"imap": mail_env.imap(security=security)})
    assert status == 502 and body["error"]["code"] == "imap_tls_failed"


def test_certificate_name_is_checked_against_the_host(mail_env, call, monkeypatch):
    # "localhost" is in the certificate: verified by name while connecting to 127.0.0.1.
    status, _ = call("/v1/mail/mailboxes", {"imap": mail_env.imap(host="localhost")})
    assert status == 200
    # 127.0.0.2 is loopback too but not in the certificate: the name check must fail.
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("127.0.0.1", a[1]))]
    )
    status, body = call("/v1/mail/mailboxes", {"imap": mail_env.imap(host="127.0.0.2")})
    assert status == 502 and body["error"]["code"] == "imap_tls_failed"


def test_tls_against_a_plaintext_port_fails_cleanly(mail_env, call):
    imap = mail_env.imap(security="tls", port=mail_env.dovecot.starttls_port)
    status, body = call(MESSAGES, {"imap": imap})
    assert status == 502 and body["error"]["code"] == "imap_tls_failed"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_is_502_unreachable(mail_env, call):
    status, body = call(MESSAGES, {"imap": mail_env.imap(port=_closed_port())})
    assert status == 502 and body["error"]["code"] == "imap_unreachable"


@pytest.fixture
def fake_server() -> Iterator:
    """A loopback TCP server that runs ``script(conn)`` for each connection."""
    servers = []

    def start(script) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        sock.settimeout(0.05)  # accept() is not woken by close(): poll the stop flag
        stop = threading.Event()

        def serve():
            while not stop.is_set():
                try:
                    conn, _ = sock.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                conn.settimeout(None)
                with conn:
                    script(conn, stop)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        servers.append((sock, stop, thread))
        return sock.getsockname()[1]

    yield start
    for sock, stop, thread in servers:
        stop.set()
        sock.close()
        thread.join(timeout=5)


def test_silent_server_times_out_as_504(mail_env, call, monkeypatch, fake_server):
    monkeypatch.setenv("IMAP_READ_TIMEOUT", "0.3")
    monkeypatch.setenv("IMAP_CONNECT_TIMEOUT", "0.3")
    port = fake_server(lambda conn, stop: stop.wait(5))  # accept, then say nothing
    status, body = call(MESSAGES, {"imap": mail_env.imap(security="starttls", port=port)})
    assert status == 504 and body["error"]["code"] == "imap_timeout"


def test_server_without_starttls_is_refused_before_login(mail_env, call, fake_server):
    received: list[bytes] = []

    def no_tls(conn, stop):
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain only\r\n")
        conn.settimeout(2)
        try:
            while data := conn.recv(4096):
                received.append(data)
                tag = data.split(b" ", 1)[0]
                conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK done\r\n")
        except OSError:
            pass

    port = fake_server(no_tls)
    status, body = call(MESSAGES, {"imap": mail_env.imap(security="starttls", port=port)})
    assert status == 502 and body["error"]["code"] == "imap_tls_failed"
    sent = b"".join(received)
    assert b"LOGIN" not in sent.upper() and b"alice-pw-1" not in sent  # no plaintext login


def test_garbage_server_is_a_protocol_error(mail_env, call, fake_server):
    port = fake_server(lambda conn, stop: conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n"))
    status, body = call(MESSAGES, {"imap": mail_env.imap(security="starttls", port=port)})
    assert status == 502 and body["error"]["code"] == "imap_protocol_error"


def test_logs_never_carry_credentials_or_mail(mail_env, call, capsys, caplog):
    caplog.set_level("DEBUG")
    call(MESSAGES, {"imap": mail_env.imap()})
    call(MESSAGES, {"imap": mail_env.imap("bob", "starttls", password="bob-wrong-pw")})
    out = capsys.readouterr()
    records = "".join(str(record.__dict__) for record in caplog.records)  # incl. extra fields
    logged = out.out + out.err + caplog.text + records
    assert "mail call" in logged and "imap_auth_failed" in logged  # logging did happen
    for secret in ("alice-pw-1", "bob-wrong-pw", "会議", "All systems nominal", '"alice"'):
        assert secret not in logged, secret


def test_a_server_that_drips_bytes_is_cut_off_by_the_session_deadline(
    mail_env, call, monkeypatch, fake_server
):
    """Each read gets a byte in time, so only a deadline on the whole session can end it."""
    monkeypatch.setenv("IMAP_READ_TIMEOUT", "1")
    monkeypatch.setenv("IMAP_DEADLINE", "0.5")

    def drip(conn, stop):
        greeting = b"* OK " + b"x" * 10_000  # never reaches its CRLF in time
        for byte in greeting[:100]:  # bounded: the server gives up by itself after ~5 s
            if stop.is_set():
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                return
            stop.wait(0.05)

    port = fake_server(drip)
    status, body = call(MESSAGES, {"imap": mail_env.imap(security="starttls", port=port)})
    assert status == 504 and body["error"]["code"] == "imap_timeout", body
    assert "did not finish within 0.5 s" in body["error"]["message"]


# Issue 13: a lone surrogate reached the IMAP session and came back as 502
# imap_protocol_error. JSON lets "\ud800" through; IMAP cannot carry it.
@pytest.mark.parametrize(("field", "over"), [
    ("imap.password", {"password": "pw\ud800"}),
    ("imap.username", {"username": "alice\udc00"}),
])  # fmt: skip
def test_lone_surrogates_in_credentials_are_400_before_connecting(mail_env, call, field, over):
    body = json.dumps({"imap": mail_env.imap(**over)})  # ensure_ascii: sent as \ud800 escapes
    status, got = call(MESSAGES, raw_body=body)
    assert status == 400 and got["error"]["field"] == field, got


def test_a_lone_surrogate_in_the_mailbox_is_400_not_502(mail_env, call):
    body = json.dumps({"imap": mail_env.imap(), "mailbox": "Archive\ud800"})
    status, got = call(MESSAGES, raw_body=body)
    assert status == 400 and got["error"]["field"] == "mailbox", got


@pytest.mark.parametrize(("field", "body"), [
    ("imap.password", {"imap": {"host": "h", "username": "u", "password": "p\ud800"}}),
    ("imap.username", {"imap": {"host": "h", "username": "\udfffu", "password": "p"}}),
    ("mailbox", {"imap": {"host": "h", "username": "u", "password": "p"}, "mailbox": "\ud800"}),
])  # fmt: skip
def test_the_plug_in_itself_refuses_text_it_cannot_send(field, body):
    """Called without the HTTP boundary (another host of the plug-in), it still refuses."""
    from fm_mail import request
    from fm_mail.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as refused:
        request.parse_list(body)
    assert refused.value.field == field
