"""Split a well-formed message into its leaf parts the way ``email``'s parser would, fast.

``email``'s feed parser reads a message line by line in Python; on a listing most lines are
base64 attachment lines that are only counted, and that reading was most of a listing's
time; building its ``Message`` objects and reading headers back out of them was most of the
rest. Here the boundary lines are found in C (``_find``: ``bytes.find``, and memchr across
base64), header lines are read with ``email``'s rules by one regular expression, and no
``Message`` is built: each leaf
keeps its headers (the raw values ``email.message_from_bytes(raw, policy=compat32)`` would
hold) and the offsets of its body in ``raw``, decoded only when asked.

Only the plain case takes this path: CRLF or LF line ends (a lone CR, which ends a line for
``email`` too, only where that changes nothing: not in a header block, not before boundary
text), every multipart with a boundary,
a first and a closing boundary line, no repeated boundary lines, no header defects, no
``message/*`` part, no ``multipart/digest``, and ASCII Content-Type and
Content-Transfer-Encoding values. Anything else returns ``None`` and the caller
parses the message with ``email`` itself, so unusual mail gets exactly the old treatment,
defects (``parse_error``) included. ``tests/products/fm_mail/test_mime_split.py`` checks
both paths give the same listing.
"""

from __future__ import annotations

import binascii
import email.utils
import quopri
import re
from dataclasses import dataclass

from fm_mail import header_shapes
from fm_mail.mime_parts import Fields, Leaf, ParsedMessage, content_charset, email_stand_in

# One header field: a name of printable characters but ":", the colon, the rest of the line
# and any continuation lines (starting with a blank), up to its line end. Lines email's parser
# treats otherwise ("From " lines, an empty name, a leading continuation) do not match.
# Read from the block decoded once; the value starts after the colon's blanks (email strips
# them) and cannot end in a line break, so it is email's value as it stands.
_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)\r?\n")
# A whole header block of such fields (a continuation line cannot start a name, so the
# block splits into fields one way only), and the blank line that must end it. No lone CR
# (email ends a line there): a block with one does not match, so the message goes to email.
_BLOCK = re.compile(rb"(?:[\041-\071\073-\176]+:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n)*(\r?\n)")
# What may follow "--boundary" on a boundary line: "--" (closing), blanks, the line end
# (a lone CR too: email's parser ends a line there).
_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*(?:\r\n|\r|\n|\Z)")
# Deeper nesting than this is rare enough to leave to the stdlib parser.
_MAX_DEPTH = 8
# Hits of a boundary's text that are not boundary lines, per multipart, before giving up.
_MAX_MISSES = 1_000
# Bytes searched for a boundary's text before memchr skips to a dash (see _find).
_WINDOW = 1_024


def split(raw: bytes) -> ParsedMessage | None:
    """The leaf parts ``email`` would find in ``raw``, or None to let ``email`` do it."""
    head = _headers(raw, 0, len(raw))
    if head is None:
        return None
    fields, body_start = head
    leaves: list[tuple[str, Leaf]] = []
    if not _entity(raw, fields, body_start, len(raw), "", 0, leaves, part=False):
        return None
    return ParsedMessage(fields, leaves, has_defects=False)


@dataclass(slots=True)  # not frozen: that __init__ cost 0.5 µs more a leaf; Leaf is read-only
class SplitLeaf:
    """A leaf part: its headers and where its body lies in the message's bytes."""

    fields: Fields
    content_type: str
    raw: bytes
    start: int
    end: int

    def charset(self) -> str | None:
        return content_charset(self.fields)

    def content(self) -> bytes:
        body = self.raw[self.start : self.end]
        encoding = self._transfer_encoding()
        if encoding == "base64":
            checked = header_shapes.strict_base64(body)
            if checked is not None:
                return binascii.a2b_base64(checked)
        elif encoding == "quoted-printable":
            return quopri.decodestring(body)
        elif encoding not in _UUENCODE:
            return body  # what email hands back for any other transfer encoding
        # Broken base64 (email repairs it) or uuencode: email's own decoding.
        legacy = email_stand_in(self.fields)
        legacy.set_payload(body.decode("ascii", "surrogateescape"))
        data = legacy.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""

    def content_size(self) -> int:
        if self._transfer_encoding() == "base64":
            size = header_shapes.base64_size(self.raw[self.start : self.end])
            if size is not None:
                return size
        return len(self.content())

    def _transfer_encoding(self) -> str:
        values = self.fields.get("content-transfer-encoding")
        return values[0].lower() if values else ""  # ASCII: split checked


_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


def _headers(raw: bytes, start: int, end: int) -> tuple[Fields, int] | None:
    """The header block at ``start`` (lower-case name -> raw values as email's compat32
    parser stores them: value from after the colon's blanks, continuation lines kept) and
    the offset where the body starts. None where that parser would record a defect or do
    something special: a non-header line before the blank line, no blank line, a leading
    continuation line, a "From " line, an empty name; or where a value this module reads
    before anything else (Content-Type, Content-Transfer-Encoding) is not ASCII.
    """
    block = _BLOCK.match(raw, start, end)
    if block is None:
        return None
    fields: Fields = {}
    text = raw[start : block.start(1)].decode("ascii", "surrogateescape")
    for name, value in _FIELD.findall(text):
        fields.setdefault(name.lower(), []).append(value)
    if text.isascii():
        return fields, block.end()
    for name in ("content-type", "content-transfer-encoding"):
        values = fields.get(name)
        if values is not None and not values[0].isascii():
            return None
    return fields, block.end()


def _entity(
    raw: bytes,
    fields: Fields,
    body_start: int,
    end: int,
    pid: str,
    depth: int,
    leaves: list[tuple[str, Leaf]],
    *,
    part: bool,
) -> bool:
    """Add the leaves of the entity with these headers to ``leaves``; False: not plain."""
    ctype = header_shapes.content_type(fields.get("content-type", ["text/plain"])[0])
    if ctype is None:
        return False
    maintype = ctype.partition("/")[0]
    if maintype == "message":
        return False  # email parses the enclosed message (and delivery-status blocks) itself
    if maintype != "multipart":
        if part:  # RFC 2046: the line end before a boundary belongs to the boundary
            if raw.endswith(b"\r\n", body_start, end):
                end -= 2
            elif raw.endswith(b"\n", body_start, end):
                end -= 1
        leaves.append((pid or "1", SplitLeaf(fields, ctype, raw, body_start, end)))
        return True
    return _multipart(raw, fields, ctype, body_start, end, pid, depth, leaves)


def _multipart(
    raw: bytes,
    fields: Fields,
    ctype: str,
    start: int,
    end: int,
    pid: str,
    depth: int,
    leaves: list[tuple[str, Leaf]],
) -> bool:
    boundary = _boundary(fields)
    cte = fields.get("content-transfer-encoding", ["8bit"])[0].lower()
    if boundary is None or depth >= _MAX_DEPTH or ctype == "multipart/digest":
        return False
    if depth == 0 and cte not in ("7bit", "8bit", "binary"):
        return False  # email records a defect on the message: leave it to email
    try:
        separator = b"--" + boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return False
    marks = _delimiters(raw, start, end, separator)
    if marks is None or not marks or marks[0][2]:
        return False  # no first boundary line: email stores the text and a defect
    prefix = pid + "." if pid else ""
    for index, ((_, after, _), (following, _, closing)) in enumerate(
        zip(marks, marks[1:], strict=False), 1
    ):
        if following == after:
            return False  # repeated boundary lines: email skips them, we do not bother
        head = _headers(raw, after, following)
        if head is None:
            return False
        sub_fields, body_start = head
        sub = f"{prefix}{index}"
        if not _entity(raw, sub_fields, body_start, following, sub, depth + 1, leaves, part=True):
            return False
        if closing:
            return True
    return False  # no closing boundary: email records a defect on the message


def _boundary(fields: Fields) -> str | None:
    shaped = header_shapes.params(fields["content-type"][0])
    if shaped is None:
        return email_stand_in(fields).get_boundary()
    boundary = shaped.get("boundary")  # then what get_boundary does with get_param's value
    return None if boundary is None else email.utils.collapse_rfc2231_value(boundary).rstrip()


def _delimiters(
    raw: bytes, start: int, end: int, separator: bytes
) -> list[tuple[int, int, bool]] | None:
    """(line start, line end, closing?) of each boundary line in ``raw[start:end]``.

    ``start`` is always at a line start. ``_find`` skips the base64 in between at C
    speed; a hit counts only at a line start and followed by what email's pattern allows.
    None when the boundary text turns up too often elsewhere (each such hit costs a Python
    step: mail made of boundary text goes to email, which reads it line by line), or when a
    lone CR, which ends a line for email, comes just before the boundary text.
    """
    marks: list[tuple[int, int, bool]] = []
    misses = 0
    pos = start
    while (hit := _find(raw, separator, pos, end)) >= 0:
        if hit == start or raw[hit - 1] == 0x0A:
            tail = _DELIMITER_TAIL.match(raw, hit + len(separator), end)
            if tail:
                marks.append((hit, tail.end(), tail.group(1) is not None))
                if tail.group(1) is not None:
                    break  # email stops at the closing line: the rest is epilogue
        elif raw[hit - 1] == 0x0D:
            return None  # a boundary line for email: not worth following here
        else:
            misses += 1
            if misses > _MAX_MISSES:
                return None
        pos = hit + 1
    return marks


def _find(raw: bytes, separator: bytes, start: int, end: int) -> int:
    """``raw.find(separator, start, end)`` for a separator starting with "-", faster where
    ``raw`` is base64: ``bytes.find`` of several bytes crosses it at some 3 GB/s, of one
    byte it is memchr, 20 times faster, and base64 holds no "-". So the separator is looked
    for in a window (headers, boundary lines, text) and from there memchr skips to a dash.
    """
    pos, window = start, _WINDOW + len(separator)
    while True:
        window_end = pos + window
        if window_end >= end:
            return raw.find(separator, pos, end)
        hit = raw.find(separator, pos, window_end)
        if hit >= 0:
            return hit
        # None in the window (longer than one): the next one ends beyond it.
        pos = raw.find(b"-", window_end - len(separator) + 1, end)
        if pos < 0:
            return -1
