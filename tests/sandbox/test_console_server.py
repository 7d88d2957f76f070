"""The sandbox console server answers every request with an HTTP response (issue 13)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.run.web_server import CONFIRM_PATH, WebServer

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def server() -> Iterator[WebServer]:
    confirmed: list[str] = []
    site = WebServer(port=0)
    # No deployed console: pages answer 503 not_ready; the server's own routes still run.
    site.configure(None, api_url="", cognito_url="", confirm_sign_up=confirmed.append)
    site.start()
    yield site
    site.stop()


def exchange(server: WebServer, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes or answers in full."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        try:
            conn.sendall(request)
            conn.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered (and closed) before reading it all: fine
            pass
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:  # closed with our unread bytes: the answer came first
            pass
    return b"".join(chunks)


def post(path: str, body: bytes, content_type: str = "application/json") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def status_of(response: bytes) -> int:
    assert response.startswith(b"HTTP/1."), response[:80]  # an answer, not a dropped line
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize("body", [
    DEEP, b'{"email": ' + DEEP + b"}", b'{"email": "a\\ud800@example.com"}', b"\xff\xfe\x00",
    b"[1]", b'"x"', b"null",
])  # fmt: skip
def test_garbage_to_confirm_sign_up_is_an_http_400(server: WebServer, body: bytes) -> None:
    response = exchange(server, post(CONFIRM_PATH, body))
    assert status_of(response) == 400
    assert json.loads(response.split(b"\r\n\r\n", 1)[1])["error"]["code"] == "invalid_body"


def test_a_nul_in_a_static_path_is_a_404(server: WebServer) -> None:
    request = b"GET /%00/../x\x00 HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n"
    response = exchange(server, request)
    assert status_of(response) in (400, 404)


@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"]),
       path=st.sampled_from(["/", CONFIRM_PATH, "/cognito/", "/api/account", "/config.json",
                             "/upgrade/thanks", "/x"]),
       body=st.binary(max_size=200) | st.sampled_from([DEEP[:20_000] + DEEP[-20_000:]]))
def test_every_request_gets_an_http_response(server: WebServer, method: str, path: str,
                                             body: bytes) -> None:  # fmt: skip
    response = exchange(server, post(path, body).replace(b"POST", method.encode(), 1))
    assert status_of(response) < 500 or status_of(response) == 503  # 503: API not deployed


def _reset_mid_request(server: WebServer, request: bytes) -> None:
    """Send part of a request, then drop the connection with a TCP reset (a closed tab)."""
    import struct
    import time

    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.sendall(request)
    time.sleep(0.1)
    conn.close()  # SO_LINGER 0: RST, as a browser aborting the load
    time.sleep(0.3)  # let the server's thread meet the reset


@pytest.mark.parametrize("request_bytes", [
    post(CONFIRM_PATH, b'{"email": "a@example.com"}')[:-10],  # body cut short
    b"GET / HTTP/1.1\r\nHost: loc",  # request line and headers cut short
])  # fmt: skip
def test_a_browser_disconnect_is_not_a_traceback(server: WebServer, capfd, request_bytes) -> None:
    capfd.readouterr()
    _reset_mid_request(server, request_bytes)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
    assert len(err.strip().splitlines()) <= 1  # at most a one-line note
    # And the server still answers the next caller.
    assert status_of(exchange(server, b"GET /x HTTP/1.1\r\nHost: l\r\nConnection: close\r\n\r\n"))
