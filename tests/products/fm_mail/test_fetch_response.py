"""FETCH answers read by ``fetch_response`` come out exactly as imapclient reads them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.datetime_util import parse_to_datetime
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response

from fm_mail import fetch_response

META = (
    b'1 (UID 5 RFC822.SIZE 251 FLAGS (\\Seen $Forwarded) INTERNALDATE "01-Jan-2024 00:00:00 +0900")'
)

# Records as imaplib hands them over: bytes, or (line ending in a literal marker, literal)
# followed by b")".
RESPONSES = {
    "meta": [META, b'2 (UID 7 RFC822.SIZE 3 FLAGS () INTERNALDATE " 2-Feb-2024 10:00:00 -0500")'],
    "bodies": [(b"1 (UID 5 BODY[] {3}", b"abc"), b")", (b"2 (UID 7 BODY[] {0}", b""), b")"],
    "header": [(b"3 (UID 9 BODY[HEADER] {4}", b"A: b"), b")"],
    "items in another order": [
        b'1 (FLAGS (\\Seen) INTERNALDATE "01-Jan-2024 00:00:00 +0900" RFC822.SIZE 9 UID 5)'
    ],
    "unsolicited flags without a UID": [META, b"4 (FLAGS (\\Deleted))"],
    "unsolicited answer for another message": [META, b"9 (UID 99 FLAGS ())"],
    "NIL date": [b"1 (UID 5 RFC822.SIZE 1 FLAGS () INTERNALDATE NIL)"],
    "unparsable date": [b'1 (UID 5 RFC822.SIZE 1 FLAGS () INTERNALDATE "someday")'],
    "numeric keyword": [b"1 (UID 5 FLAGS (\\Seen 1234 NIL))"],
    "literal after more items": [(b"1 (UID 5 BODY[] {3}", b"abc"), b" FLAGS (\\Seen))"],
    "two literals": [(b"1 (UID 5 BODY[1] {1}", b"a"), (b" BODY[2] {1}", b"b"), b")"],
    "literal shorter than announced": [(b"1 (UID 5 BODY[] {9}", b"abc"), b")"],
    "literal without its item": [(b"1 (UID 5 FLAGS ()", b"abc"), b")"],
    "items run together": [b"1 (UID 5RFC822.SIZE 3)"],
    "two spaces between items": [b"1 (UID 5  RFC822.SIZE 3)"],
    "junk between items": [b"1 (UID 5xRFC822.SIZE 3)"],
    "bracket in a flag": [b"1 (UID 5 FLAGS (\\Seen [x]))"],
    "empty answer": [None],
    "lower-case items": [
        b'1 (uid 5 rfc822.size 3 flags () internaldate "01-Jan-2024 00:00:00 +0900")'
    ],
    "header literal": [(b"3 (UID 9 BODY[HEADER] {4}", b"A: b"), b")"],
    "zone -0000": [b'1 (UID 5 RFC822.SIZE 1 FLAGS () INTERNALDATE "01-Jan-2024 00:00:00 -0000")'],
    "no such day": [b'1 (UID 5 RFC822.SIZE 1 FLAGS () INTERNALDATE "31-Feb-2024 00:00:00 +0000")'],
}


@pytest.mark.parametrize("records", list(RESPONSES.values()), ids=list(RESPONSES))
def test_same_reading_as_imapclient(records):
    requested = [5, 7, 9]
    try:
        parsed = parse_fetch_response(records, normalise_times=False, uid_is_key=True)
    except ProtocolError:  # the same error, which the session maps to imap_protocol_error
        with pytest.raises(ProtocolError):
            fetch_response.parse(records, requested)
        return
    expected = {uid: parsed[uid] for uid in requested if uid in parsed}
    assert fetch_response.parse(records, requested) == expected


def test_plain_records_are_read_without_imapclient(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the plain case must not need imapclient's lexer")

    monkeypatch.setattr(fetch_response, "parse_fetch_response", refuse)
    parsed = fetch_response.parse(RESPONSES["meta"] + RESPONSES["bodies"], [5, 7])
    assert parsed[5][b"FLAGS"] == (b"\\Seen", b"$Forwarded") and parsed[7][b"BODY[]"] == b""
    assert parsed[5][b"INTERNALDATE"].isoformat() == "2024-01-01T00:00:00+09:00"


def test_plain_records_are_read_whole(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the records a listing asks for are read in one step")

    monkeypatch.setattr(fetch_response, "_items", refuse)
    parsed = fetch_response.parse(RESPONSES["meta"] + RESPONSES["bodies"], [5, 7])
    assert parsed[7][b"INTERNALDATE"].isoformat() == "2024-02-02T10:00:00-05:00"


_DATE_PARTS = st.builds(
    lambda day, month, year, clock, zone: f"{day}-{month}-{year} {clock} {zone}".encode(),
    st.sampled_from(["1", " 1", "01", "09", "29", "30", "31", "32", "0", "x1"]),
    st.sampled_from(["Jan", "Feb", "Jun", "Dec", "jan", "Foo"]),
    st.sampled_from(["2024", "2023", "1970", "9999", "0001", "24"]),
    st.sampled_from(["00:00:00", "23:59:59", "24:00:00", "12:60:00", "1:00:00"]),
    st.sampled_from(["+0900", "-0500", "+0000", "-0000", "+1400", "+0960", "+09:00", "JST"]),
)


@settings(max_examples=300, deadline=None)
@given(_DATE_PARTS)
def test_internaldates_read_as_imapclient_reads_them(value):
    try:
        expected = parse_to_datetime(value, normalise=False)
    except ValueError:
        expected = None
    found = fetch_response._internaldate(value)
    assert found == expected
    if expected is not None:
        assert found.isoformat() == expected.isoformat()
