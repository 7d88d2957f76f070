"""A logged-in IMAP session to a vetted address, with every failure mapped to a MailError.

``imapclient`` does the protocol; we only replace how its socket is opened, so that it
connects to the addresses the guard vetted instead of resolving the name again, and keep
the name for SNI and certificate verification. TLS is always verified; plaintext login is
never attempted (port 143 must offer STARTTLS).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import imaplib
import logging
import os
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

from imapclient import IMAPClient, SocketTimeout, imap4, tls
from imapclient import exceptions as imap_exc

from fm_mail import guard, limits
from fm_mail.errors import (
    ImapAuthFailed,
    ImapProtocolError,
    ImapTimeout,
    ImapTlsFailed,
    ImapUnreachable,
    MailError,
)
from fm_mail.request import ImapSettings

# imapclient logs the username and, through its imaplib adapter, every protocol line (mail
# content included) at DEBUG. Keep that out of the function's logs even at DEBUG level.
logging.getLogger("imapclient").setLevel(logging.WARNING)


def tls_context() -> ssl.SSLContext:
    """Verifying context; ``IMAP_CA_BUNDLE`` (tests/sandbox) replaces the trusted CAs."""
    return _verifying_context(os.environ.get("IMAP_CA_BUNDLE") or None)


@functools.lru_cache(maxsize=4)
def _verifying_context(bundle: str | None) -> ssl.SSLContext:
    # Loading the trust store costs milliseconds on every call: build it once per container
    # (a context holds no per-connection state and is only read once built).
    ctx = ssl.create_default_context(cafile=bundle)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _connect(addresses: list[guard.VettedAddress], timeout: float) -> socket.socket:
    last: OSError | None = None
    for addr in addresses:
        sock = socket.socket(addr.family, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        # Commands are small and each waits for its answer: Nagle's algorithm only holds a
        # command's last write until the server's delayed ACK (40 ms) when it spans two.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.connect(addr.sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    assert last is not None
    raise last


class _PinnedPlain(imap4.IMAP4WithTimeout):
    def __init__(self, host: str, port: int, addrs: list, timeout: float | None) -> None:
        self._vetted = addrs
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return _connect(self._vetted, timeout or self._timeout)


class _PinnedTLS(tls.IMAP4_TLS):
    def __init__(self, host: str, port: int, addrs: list, ctx, timeout: float | None) -> None:
        self._vetted = addrs
        super().__init__(host, port, ctx, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock = _connect(self._vetted, timeout or self._timeout)
        return tls.wrap_socket(sock, self.ssl_context, self.host)


class PinnedClient(IMAPClient):
    """IMAPClient whose transport connects to pre-vetted addresses only."""

    def __init__(self, settings: ImapSettings, addrs: list, ctx: ssl.SSLContext) -> None:
        self._vetted = addrs
        self._fetch_tags = 0  # our own tags (F1, F2...) never collide with imaplib's
        super().__init__(
            settings.host,
            settings.port,
            ssl=settings.security == "tls",
            ssl_context=ctx,
            timeout=SocketTimeout(limits.connect_timeout(), limits.read_timeout()),
        )
        self._imap.debug = 0  # imapclient sets 5: formats (and would log) every line

    def _create_IMAP4(self):  # noqa: N802 (imapclient's name)
        timeout = self._timeout.connect
        if self.ssl:
            self._transport = _PinnedTLS(
                self.host, self.port, self._vetted, self.ssl_context, timeout
            )
        else:
            self._transport = _PinnedPlain(self.host, self.port, self._vetted, timeout)
        return self._transport

    def plain_login_initial_response(self, username: str, password: str) -> None:
        """AUTHENTICATE PLAIN with the credentials on the command line (RFC 4959 SASL-IR):
        one round trip instead of two (imaplib waits for the server's empty challenge)."""
        token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
        try:
            # imaplib's public way to send a command as given (AUTHENTICATE is known to it).
            typ, _ = self._transport.xatom("AUTHENTICATE", "PLAIN", token)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:  # BAD: refused, as imapclient's plain_login reports it
            typ = "BAD"
        if typ != "OK":
            raise imap_exc.LoginError("the server refused AUTHENTICATE PLAIN")
        self._transport.state = "AUTH"  # what imaplib's authenticate() sets on success

    def logout_without_waiting(self) -> None:
        """Send LOGOUT and close: the session only read, so the server's BYE tells nothing
        and waiting for it would cost the caller one more round trip."""
        with contextlib.suppress(OSError):
            self._transport.send(b"Z LOGOUT\r\n")
        self.shutdown()

    def uid_search(self, criteria: list[str]) -> list[int]:
        """``UID SEARCH`` of ASCII atoms as one command line through imaplib. imapclient's
        ``search`` first asks for CAPABILITY (a round trip) and writes the line ending
        apart from the command (two TLS records)."""
        typ, data = self._transport.uid("SEARCH", *criteria)
        if typ != "OK":
            raise imaplib.IMAP4.error("search failed")
        return [int(uid) for line in data if line for uid in line.split()]

    def uid_fetch_stream(self, uids: list[int], items: str) -> Iterator[list[Any]]:
        """``UID FETCH`` answered message by message, as the answers arrive (see
        ``fetch_answers``); imapclient's ``fetch`` reads the whole response first, then
        parses it character by character."""
        self._fetch_tags += 1
        return fetch_answers(self._transport, b"F%d" % self._fetch_tags, uids, items)


def fetch_answers(
    transport: imaplib.IMAP4, tag: bytes, uids: list[int], items: str
) -> Iterator[list[Any]]:
    """Send ``UID FETCH`` and hand over each message's answer as soon as it has arrived, as
    the entries imaplib's ``uid("FETCH")`` lists for it: the record's line, or its
    ``(line, literal)`` pairs and last line. The caller can work on the first messages while
    the server is still sending the rest. Other untagged answers are skipped, as a read-only
    session keeps no mailbox state; failures raise what imaplib's ``uid`` raises."""
    command = f"UID FETCH {','.join(map(str, uids))} {items}".encode("ascii")
    transport.send(tag + b" " + command + b"\r\n")  # one write (see uid_search)
    while True:
        line = _read_line(transport)
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise imaplib.IMAP4.error("fetch failed")
            return
        if line.startswith(b"+"):
            continue  # a continuation request: imaplib notes it and reads on
        untagged = _UNTAGGED.match(line)
        if untagged is None:
            raise imaplib.IMAP4.abort("unexpected response")
        number, kind, data = untagged.groups()
        if kind == b"BYE":
            raise imaplib.IMAP4.abort("the server closed the session")
        # As imaplib reads it: a numbered answer's data is "<number> <rest>"; any line that
        # ends in "{size}" is followed by that many bytes and another line.
        entries = _with_literals(
            transport, number + b" " + data if number and data else number or data or b""
        )
        if kind == b"FETCH" and number:
            yield entries


# imaplib's readings of an untagged answer ("* 3 FETCH ...", "* OK ...") and of a line that
# announces a literal.
_UNTAGGED = re.compile(rb"\* (?:(\d+) )?([A-Z-]+)(?: (.*))?\Z", re.DOTALL)
_LITERAL = re.compile(rb".*\{(\d+)\}\Z")


def _read_line(transport: imaplib.IMAP4) -> bytes:
    """One line without its CRLF, as imaplib's ``_get_line`` reads it."""
    line = transport.readline()
    if not line:
        raise imaplib.IMAP4.abort("socket error: EOF")
    if not line.endswith(b"\r\n"):
        raise imaplib.IMAP4.abort("socket error: unterminated line")
    return line[:-2]


def _with_literals(transport: imaplib.IMAP4, data: bytes) -> list[Any]:
    entries: list[Any] = []
    while (literal := _LITERAL.match(data)) is not None:
        size = int(literal.group(1))
        content = transport.read(size)
        if len(content) != size:
            raise imaplib.IMAP4.abort("socket error: EOF")
        entries.append((data, content))
        data = _read_line(transport)
    entries.append(data)
    return entries


def translate(exc: BaseException) -> MailError:
    """Map a transport or protocol exception to the caller-facing error."""
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, TimeoutError | socket.timeout):
        return ImapTimeout("the IMAP server did not answer in time")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ImapTlsFailed(f"TLS certificate not trusted: {exc.verify_message}")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return ImapTlsFailed("TLS handshake with the IMAP server failed")
    if isinstance(exc, ConnectionRefusedError):
        return ImapUnreachable("the IMAP server refused the connection")
    if isinstance(exc, imap_exc.CapabilityError):
        return ImapTlsFailed("the server does not offer STARTTLS; plaintext login is refused")
    if isinstance(exc, OSError):
        return ImapUnreachable("could not reach the IMAP server")
    if isinstance(exc, imap_exc.LoginError):
        return ImapAuthFailed("the IMAP server rejected the username or password")
    if isinstance(exc, imaplib.IMAP4.abort | imaplib.IMAP4.error):
        return ImapProtocolError("the IMAP server closed the connection or answered unexpectedly")
    if isinstance(exc, ValueError):  # imapclient/imaplib parse failures of a hostile reply
        return ImapProtocolError("the IMAP server sent a reply that could not be parsed")
    raise exc


class _Deadline:
    """Ends the whole session after ``seconds`` by shutting its socket down.

    A blocked read then returns at once, whatever the per-read timeout, so no server can
    hold the call open by sending a byte now and then.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self._client: IMAPClient | None = None
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, client: IMAPClient) -> None:
        self._client = client
        if self.expired.is_set():
            self._expire()

    def _expire(self) -> None:
        self.expired.set()
        sock = getattr(getattr(self._client, "_imap", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


@contextlib.contextmanager
def session(settings: ImapSettings) -> Iterator[PinnedClient]:
    """Yield a logged-in client; raise MailError subclasses for every expected failure."""
    addrs = guard.resolve(settings.host, settings.port)
    ctx = tls_context()
    client: PinnedClient | None = None
    clean = False
    deadline = _Deadline(limits.session_deadline())
    try:
        client = PinnedClient(settings, addrs, ctx)
        deadline.watch(client)
        if settings.security == "starttls":
            client.starttls(ctx)
        _login(client, settings)
        yield client
        clean = not deadline.expired.is_set()
    except MailError:
        if deadline.expired.is_set():
            raise _too_slow(deadline) from None
        raise
    except Exception as exc:  # noqa: BLE001 - translate() re-raises what it does not know
        if deadline.expired.is_set():
            raise _too_slow(deadline) from None
        raise translate(exc) from None
    finally:
        deadline.cancel()
        if client is not None:
            # After a failure the server may be the problem: drop the socket rather than
            # wait another read timeout for a LOGOUT reply.
            with contextlib.suppress(Exception):
                client.logout_without_waiting() if clean else client.shutdown()


def _too_slow(deadline: _Deadline) -> ImapTimeout:
    return ImapTimeout(f"the IMAP server did not finish within {deadline.seconds:g} s")


def _login(client: PinnedClient, settings: ImapSettings) -> None:
    """AUTHENTICATE PLAIN when offered (UTF-8 safe), else LOGIN (ASCII only)."""
    capabilities = client.capabilities()
    if b"AUTH=PLAIN" in capabilities:
        if b"SASL-IR" in capabilities:
            client.plain_login_initial_response(settings.username, settings.password)
        else:
            client.plain_login(settings.username, settings.password)
        return
    if not (settings.username + settings.password).isascii():
        raise ImapAuthFailed(
            "the server offers only LOGIN, which cannot carry non-ASCII usernames or passwords"
        )
    client.login(settings.username, settings.password)
