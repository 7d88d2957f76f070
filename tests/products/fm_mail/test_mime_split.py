"""The fast MIME split lists every message exactly as ``email``'s own parser would.

``mime.describe`` (listing) and ``mime.find_part`` (attachment download) take the fast path
for plain messages; these tests compare both paths on the corpus and on generated messages
with the awkward details real mail has (blank lines, white space after boundaries, LF-only
line ends, preambles, nesting, missing closing lines, odd headers).
"""

from __future__ import annotations

import base64
import datetime as dt

import fm_corpus
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fm_mail import mime, mime_split

WHEN = dt.datetime(2026, 6, 1, 9, 30, tzinfo=fm_corpus.JST)


def _with_email(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, list]:
    with monkeypatch.context() as patch:
        patch.setattr(mime_split, "split", lambda _raw: None)
        return _listing_and_parts(raw)


def _listing_and_parts(raw: bytes) -> tuple[dict, list]:
    described = mime.describe(raw)
    parts = [mime.find_part(raw, a["part"]) for a in described["attachments"]]
    return described, parts


def _corpus() -> list[bytes]:
    samples = [s.raw for s in fm_corpus.alice_inbox()]
    return samples + [raw for raw, _, _ in fm_corpus.numbered(3, WHEN)]


@pytest.mark.parametrize("raw", _corpus(), ids=lambda raw: str(len(raw)))
def test_corpus_lists_the_same_through_both_paths(raw, monkeypatch):
    assert _listing_and_parts(raw) == _with_email(raw, monkeypatch)


_HEAD = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b1\r\n"
_TEXT_PART = b"Content-Type: text/plain\r\n\r\n"
_EDGES = {
    "lone CR before a boundary": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"hello\r--b1\r\n"
    + _TEXT_PART + b"world\r\n--b1--\r\n",
    "lone CR after a boundary": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"a\r\n--b1\r" + _TEXT_PART
    + b"b\r\n--b1--\r\n",
    "lone CR ending the closing line": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"a\r\n--b1--\r",
    "lone CR before an outer boundary": _HEAD + b"\r\n--b1\r\n"
    + b"Content-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\n" + _TEXT_PART
    + b"a\r--b1\r\n" + _TEXT_PART + b"b\r\n--b2--\r\n--b1--\r\n",
    "lone CR in a header": _HEAD + b"X-Note: a\rb\r\n\r\n--b1\r\n" + _TEXT_PART
    + b"a\r\n--b1--\r\n",
    "lone CR in a part's header": _HEAD + b"\r\n--b1\r\nContent-Type: text/plain\r\r\n\r\n"
    + b"a\r\n--b1--\r\n",
    "lone CR ending a part's headers": _HEAD + b"\r\n--b1\r\nContent-Type: text/plain\r\n\r"
    + b"a\r\n--b1--\r\n",
    "lone CRs in a text body": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"\ra\rb\r\r\n--b1--\r\n",
    "lone CRs in base64": _HEAD + b"\r\n--b1\r\nContent-Type: application/pdf\r\n"
    + b"Content-Transfer-Encoding: base64\r\n\r\nJVBE\rRg==\r\r\n--b1--\r\n",
    "lone CR in a preamble": _HEAD + b"\r\npreamble\r--b1\r\n" + _TEXT_PART + b"a\r\n--b1--\r\n",
    "lone CR in a one-part message": b"Subject: x\r\n\r\nhello\rworld\r--b1\r\n",
    "blanks after boundaries": _HEAD + b"\r\n--b1 \t\r\n" + _TEXT_PART + b"a\r\n--b1-- \r\n",
    "LF only": _HEAD.replace(b"\r", b"") + b"\n--b1\n" + b"Content-Type: text/plain\n\nb\n--b1--",
    "multipart in base64": _HEAD + b"Content-Transfer-Encoding: base64\r\n\r\n--b1\r\n"
    + _TEXT_PART + b"c\r\n--b1--\r\n",
    "no closing line": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"d\r\n",
    "closing line first": _HEAD + b"\r\n--b1--\r\n--b1\r\n" + _TEXT_PART + b"e\r\n--b1--\r\n",
    "a boundary inside a line": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"x --b1\r\n"
    + _TEXT_PART + b"y\r\n--b1--\r\n",
    "boundary with a suffix": _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"--b1x\r\n--b1--\r\n",
    "a space in a header name": b"Bad name: x\r\n" + _HEAD + b"\r\n--b1\r\n" + _TEXT_PART
    + b"g\r\n--b1--\r\n",
    "part without headers": _HEAD + b"\r\n--b1\r\n\r\nplain\r\n--b1--\r\n",
    "part without blank line": _HEAD + b"\r\n--b1\r\nContent-Type: text/plain\r\n--b1--\r\n",
    "forwarded message": _HEAD + b"\r\n--b1\r\nContent-Type: message/rfc822\r\n\r\n"
    + b"Subject: inner\r\n\r\nbody\r\n--b1--\r\n",
    "same boundary nested": _HEAD + b"\r\n--b1\r\nContent-Type: multipart/mixed; boundary=b1\r\n"
    + b"\r\n--b1\r\n" + _TEXT_PART + b"f\r\n--b1--\r\n--b1--\r\n",
}  # fmt: skip


@pytest.mark.parametrize("raw", list(_EDGES.values()), ids=list(_EDGES))
def test_edge_cases_list_the_same_through_both_paths(raw, monkeypatch):
    assert _listing_and_parts(raw) == _with_email(raw, monkeypatch)


def test_plain_messages_take_the_fast_path_and_broken_ones_do_not():
    by_key = {s.key: s.raw for s in fm_corpus.alice_inbox()}
    for key in ("ascii", "utf8-alt", "iso2022jp", "sjis", "attachments", "big"):
        assert mime_split.split(by_key[key]) is not None, key
    assert mime_split.split(by_key["malformed"]) is None  # no closing boundary: email's call
    # A lone CR ends a line for email too: harmless inside a body, not next to a boundary.
    for key in ("lone CRs in a text body", "lone CRs in base64", "lone CR in a one-part message"):
        assert mime_split.split(_EDGES[key]) is not None, key
    # Boundary text all over a line costs a Python step per hit: such mail goes to email.
    flood = _HEAD + b"\r\n--b1\r\n" + _TEXT_PART + b"x--b1" * 5_000 + b"\r\n--b1--\r\n"
    assert mime_split.split(flood) is None
    assert mime_split.split(flood.replace(b"x--b1" * 5_000, b"x--b1" * 500)) is not None


def test_attachment_sizes_are_decoded_sizes_on_the_fast_path():
    sample = next(s for s in fm_corpus.alice_inbox() if s.key == "attachments")
    listed = mime.describe(sample.raw)["attachments"]
    assert [a["size"] for a in listed] == [len(a.data) for a in sample.attachments]


# Generated multiparts: each knob is something email's parser treats specially.
_TEXTS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x3000), max_size=40)
_MULTIPARTS = [b"mixed"] * 5 + [b"alternative", b"digest"]
_BOUNDARY = st.sampled_from(["b1", "=_Part_0_1.2", "----=_NextPart_000", "x y", "b1-2"])


def _rarely(draw: st.DrawFn) -> bool:
    """One case in ten: each oddity alone, so most generated messages stay plain."""
    return draw(st.sampled_from([False] * 9 + [True]))


@st.composite
def _messages(draw: st.DrawFn) -> bytes:
    eol = draw(st.sampled_from([b"\r\n", b"\n"]))
    boundary = draw(_BOUNDARY).encode()
    quoted = draw(st.booleans())
    param = b'"' + boundary + b'"' if quoted or b" " in boundary else boundary
    lines = [
        b"From: =?UTF-8?B?" + base64.b64encode("差出人".encode()) + b"?= <a@example.jp>",
        b"To: Alice <alice@example.jp>,",
        b"  Bob <bob@example.jp>",
        b"Subject: " + draw(_TEXTS).encode("utf-8"),
        b"Date: Mon, 01 Jun 2026 09:30:00 +0900",
        b"Content-Type: multipart/" + draw(st.sampled_from(_MULTIPARTS)) + b"; boundary=" + param,
    ]  # fmt: skip
    if _rarely(draw):
        lines.insert(0, draw(st.sampled_from([b"From someone", b" leading continuation", b":x"])))
    if _rarely(draw):
        lines.append(b"Content-Transfer-Encoding: base64")  # wrong on a multipart: a defect
    head = eol.join(lines) + eol + eol
    body = b""
    if draw(st.booleans()):
        body += b"This is a preamble." + eol
    parts = draw(st.lists(_part(eol), min_size=0 if _rarely(draw) else 1, max_size=4))
    for part in parts:
        body += b"--" + boundary + draw(st.sampled_from([b"", b" ", b"\t "])) + eol + part + eol
        if _rarely(draw):
            body += b"--" + boundary + eol  # a repeated boundary line
    ending = b"--" + boundary + b"--" + draw(st.sampled_from([eol, b"", b" " + eol]))
    if _rarely(draw):
        ending = draw(
            st.sampled_from([b"", b"--" + boundary + eol, b"--" + boundary + b"-x" + eol])
        )
    body += ending + draw(st.sampled_from([b"", b"epilogue" + eol, b"--" + boundary + eol]))
    if _rarely(draw):  # a lone CR: email's parser ends a line there too
        body = body.replace(eol + b"--" + boundary, b"\r--" + boundary, 1)
    return head + body


@st.composite
def _part(draw: st.DrawFn, eol: bytes) -> bytes:
    kind = draw(
        st.sampled_from(["text", "html", "file", "inline", "nested"] * 3 + ["rfc822", "empty"])
    )
    text = draw(_TEXTS)
    if kind == "empty":
        return draw(st.sampled_from([eol, b"", b"Content-Type: text/plain" + eol]))
    if kind == "nested":
        inner = b"in-" + draw(st.sampled_from([b"1", b"2"]))
        return (
            b'Content-Type: multipart/alternative; boundary="' + inner + b'"' + eol + eol
            + b"--" + inner + eol + b"Content-Type: text/plain" + eol + eol + b"plain" + eol
            + b"--" + inner + eol + b"Content-Type: text/html" + eol + eol + b"<p>x</p>" + eol
            + b"--" + inner + b"--" + draw(st.sampled_from([b"", eol]))
        )  # fmt: skip
    if kind == "rfc822":
        return (
            b"Content-Type: message/rfc822" + eol + eol
            + b"Subject: inner" + eol + eol + b"inner body" + eol
        )  # fmt: skip
    data = text.encode("utf-8") * draw(st.integers(1, 40))
    encoded = fm_corpus._b64_lines(data).replace(b"\r\n", eol)
    if _rarely(draw):
        encoded = encoded[:-1] + b"!"  # not base64
    headers = {
        "text": b"Content-Type: text/plain; charset=utf-8",
        "html": b"Content-Type: text/html; charset=utf-8",
        "file": b"Content-Type: application/pdf;" + eol + b' name="a.pdf"'
        + eol + b"Content-Disposition: attachment; filename*=UTF-8''%E8%AB%8B.pdf",
        "inline": b"Content-Type: image/png" + eol + b"Content-ID: <logo@x>"
        + eol + b"Content-Disposition: inline",
    }[kind]  # fmt: skip
    return headers + eol + b"Content-Transfer-Encoding: base64" + eol + eol + encoded


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_messages())
def test_generated_messages_list_the_same_through_both_paths(raw):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _listing_and_parts(raw) == _with_email(raw, monkeypatch)


@st.composite
def _with_lone_crs(draw: st.DrawFn) -> bytes:
    """A generated message with lone CRs in its body (the header block rejects them, see
    _EDGES): anywhere, ending a line, before boundary text or ending its line."""
    message = draw(_messages())
    head_end = min(at for at in (message.find(b"\n\n"), message.find(b"\n\r\n")) if at >= 0)
    for at in sorted(draw(st.lists(st.integers(head_end + 2, len(message)), max_size=3))):
        where = draw(st.sampled_from(["anywhere", "line end", "boundary", "boundary line end"]))
        dashes = message.find(b"--", at)
        if where == "boundary" and dashes >= 0:
            at = dashes
        line_end = message.find(b"\n", dashes if where == "boundary line end" else at)
        if where.endswith("line end") and line_end >= 0:
            message = message[:line_end].removesuffix(b"\r") + b"\r" + message[line_end + 1 :]
        else:
            message = message[:at] + b"\r" + message[at:]
    return message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_with_lone_crs())
def test_lone_crs_list_the_same_through_both_paths(raw):
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _listing_and_parts(raw) == _with_email(raw, monkeypatch)


# The boundary search skips from dash to dash: it must find what bytes.find finds.
_SEPARATORS = st.sampled_from([b"--b1", b"--b1-2", b"------=_NextPart_000", b"---", b"--a-", b"--"])
_PIECES = st.sampled_from([b"-", b"--", b"---", b"b1", b"-2", b"=_NextPart_000", b"a", b"\r\n"])
_SPANS = st.lists(
    st.one_of(_PIECES, st.binary(max_size=3), st.just(b"QUJD" * 40)), max_size=30
).map(b"".join)


def _found(raw: bytes, separator: bytes, window: int) -> list[int]:
    """Every (overlapping) hit of ``separator`` from each start, by _find with ``window``."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(mime_split, "_WINDOW", window)
        return [mime_split._find(raw, separator, pos, len(raw)) for pos in range(len(raw) + 1)]


@pytest.mark.parametrize(
    ("raw", "separator", "window"),
    [
        (b"---b1", b"--b1", 1),  # one byte after a dash, a window shorter than the text
        (b"-QUJD---b1--b1", b"--b1", 6),  # starts just past the end of the first window
        (b"-------=_NextPart_000", b"------=_NextPart_000", 8),
        (b"-----", b"---", 1),  # overlapping ones
    ],
)
def test_the_boundary_search_finds_what_find_finds_at_window_edges(raw, separator, window):
    assert _found(raw, separator, window) == [
        raw.find(separator, pos) for pos in range(len(raw) + 1)
    ]


@settings(max_examples=500, deadline=None)
@given(
    raw=_SPANS,
    separator=_SEPARATORS,
    window=st.sampled_from([1, 3, 8, 64, mime_split._WINDOW]),
    end=st.integers(0, 10_000),
)
def test_the_boundary_search_finds_what_find_finds(raw, separator, window, end):
    raw = raw[:end]
    assert _found(raw, separator, window) == [
        raw.find(separator, pos) for pos in range(len(raw) + 1)
    ]
