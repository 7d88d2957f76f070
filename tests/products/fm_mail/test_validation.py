"""Strict request validation: a clear 400 naming the field, never a 500, nothing sent."""

from __future__ import annotations

import base64
import json
import socket

import pytest
from fm_events import FakeContext, rest_event

MESSAGES = "/v1/mail/messages"
GOOD_IMAP = {"host": "imap.example.net", "username": "u", "password": "p"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("validation failures must not resolve or connect")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "missing_field", "imap"),
        ([], "invalid_field", "body"),
        ({"imap": "imap.example.net"}, "invalid_field", "imap"),
        ({"imap": {**GOOD_IMAP, "host": None}}, "missing_field", "imap.host"),
        ({"imap": {"host": "h", "password": "p"}}, "missing_field", "imap.username"),
        ({"imap": {**GOOD_IMAP, "password": ""}}, "invalid_field", "imap.password"),
        ({"imap": {**GOOD_IMAP, "port": "993"}}, "invalid_field", "imap.port"),
        ({"imap": {**GOOD_IMAP, "port": 70000}}, "invalid_field", "imap.port"),
        ({"imap": {**GOOD_IMAP, "port": True}}, "invalid_field", "imap.port"),
        ({"imap": {**GOOD_IMAP, "security": "none"}}, "invalid_field", "imap.security"),
        ({"imap": {**GOOD_IMAP, "host": "http://x/"}}, "invalid_field", "imap.host"),
        ({"imap": {**GOOD_IMAP, "host": "a b"}}, "invalid_field", "imap.host"),
        ({"imap": {**GOOD_IMAP, "user": "u"}}, "unknown_field", "imap.user"),
        ({"imap": GOOD_IMAP, "unseen_only": True}, "unknown_field", "unseen_only"),
        ({"imap": GOOD_IMAP, "since": "2026-13-01"}, "invalid_field", "since"),
        ({"imap": GOOD_IMAP, "since": "01/02/2026"}, "invalid_field", "since"),
        ({"imap": GOOD_IMAP, "unseen": "yes"}, "invalid_field", "unseen"),
        ({"imap": GOOD_IMAP, "limit": 0}, "invalid_field", "limit"),
        ({"imap": GOOD_IMAP, "limit": 101}, "invalid_field", "limit"),
        ({"imap": GOOD_IMAP, "mailbox": ""}, "invalid_field", "mailbox"),
        ({"imap": GOOD_IMAP, "mailbox": "IN\r\nBOX"}, "invalid_field", "mailbox"),
    ],
)
def test_bad_list_requests(call, body, code, field):
    status, got = call(MESSAGES, body)
    assert status == 400, got
    assert got["error"]["code"] == code and got["error"]["field"] == field
    assert field in got["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"imap": GOOD_IMAP, "part": "2"}, "uid"),
        ({"imap": GOOD_IMAP, "uid": 0, "part": "2"}, "uid"),
        ({"imap": GOOD_IMAP, "uid": 3, "part": "0"}, "part"),
        ({"imap": GOOD_IMAP, "uid": 3, "part": "2.x"}, "part"),
        ({"imap": GOOD_IMAP, "uid": 3, "part": 2}, "part"),
        ({"imap": GOOD_IMAP, "uid": 3, "part": "2", "uidvalidity": -1}, "uidvalidity"),
    ],
)
def test_bad_attachment_requests(call, body, field):
    status, got = call("/v1/mail/attachment", body)
    assert status == 400 and got["error"]["field"] == field


def test_malformed_json_and_empty_body(call):
    status, got = call(MESSAGES, raw_body="{not json")
    assert status == 400 and got["error"]["code"] == "invalid_json"
    status, got = call(MESSAGES, raw_body="")
    assert status == 400 and got["error"]["code"] == "invalid_json"


def test_oversized_body_is_413(call):
    status, got = call(MESSAGES, {"imap": {**GOOD_IMAP, "password": "x" * 20_000}})
    assert status == 413 and got["error"]["code"] == "payload_too_large"


def test_the_body_limit_counts_bytes_not_characters(call):
    # 6,000 three-byte characters: under 16 KB as characters, over it as bytes.
    body = json.dumps({"imap": GOOD_IMAP, "mailbox": "あ" * 6_000}, ensure_ascii=False)
    status, got = call(MESSAGES, raw_body=body)
    assert status == 413 and got["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "encoded", ["!!!not base64", base64.b64encode(b'\xff{"imap": 1}').decode()]
)
def test_undecodable_base64_body_is_400(encoded):
    from fm_mail import handler as product

    event = rest_event(MESSAGES, raw_body="{}", base64_body=True)
    event["body"] = encoded
    response = product.lambda_handler(event, FakeContext())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] in ("invalid_body", "invalid_json")


def test_unknown_route_and_wrong_method(call):
    status, got = call("/v1/mail/folders", {"imap": GOOD_IMAP})
    assert status == 404 and got["error"]["code"] == "not_found"
    status, got = call(MESSAGES, None, method="GET")
    assert status == 404 and got["error"]["code"] == "not_found"


def test_credentials_never_reach_the_log(call, capsys, caplog):
    secret = "hunter2-very-secret"
    call(MESSAGES, {"imap": {**GOOD_IMAP, "password": secret}, "limit": 500})
    out = capsys.readouterr()
    assert secret not in out.out + out.err + caplog.text
