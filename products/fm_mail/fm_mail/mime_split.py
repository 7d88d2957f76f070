"""Split a well-formed message into its MIME tree the way ``email``'s parser would, fast.

``email``'s feed parser reads a message line by line in Python; on a listing most lines are
base64 attachment lines that are only counted, and that reading was most of a listing's
time. Here the boundary lines are found with one regular expression per multipart (C speed)
and header lines are stored with ``email``'s rules, so every ``Message`` this returns
holds exactly the headers and payload strings ``email.message_from_bytes(raw,
policy=compat32)`` would have built, and the same code reads them afterwards.

Only the plain case takes this path: CRLF or LF line ends, every multipart with a boundary,
a first and a closing boundary line, no repeated boundary lines, no header defects, no
``message/*`` part and no ``multipart/digest``. Anything else returns ``None`` and the caller
parses the message with ``email`` itself, so unusual mail gets exactly the old treatment,
defects (``parse_error``) included. ``tests/products/fm_mail/test_mime_split.py`` checks
both paths give the same listing.
"""

from __future__ import annotations

import email.message
import email.utils
import re

from fm_mail import header_shapes

# One header field: a name of printable characters but ":", the colon, the rest of the line
# and any continuation lines (starting with a blank), up to its line end. Lines email's parser
# treats otherwise ("From " lines, an empty name, a leading continuation) do not match.
# Read from the block decoded once; the value starts after the colon's blanks (email strips
# them) and cannot end in a line break, so it is email's value as it stands.
_FIELD = re.compile(r"([\041-\071\073-\176]+):[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)\r?\n")
# A whole header block of such fields (a continuation line cannot start a name, so the
# block splits into fields one way only), and the blank line that must end it.
_BLOCK = re.compile(rb"(?:[\041-\071\073-\176]+:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*\r?\n)*(\r?\n)")
# What may follow "--boundary" on a boundary line: "--" (closing), blanks, the line end.
_DELIMITER_TAIL = re.compile(rb"(--)?[ \t]*(?:\r\n|\n|\Z)")
# A CR not followed by LF (one scan; counting CRs and CRLFs took two).
_LONE_CR = re.compile(rb"\r(?!\n)")
# Deeper nesting than this is rare enough to leave to the stdlib parser.
_MAX_DEPTH = 8
# Hits of a boundary's text that are not boundary lines, per multipart, before giving up.
_MAX_MISSES = 1_000


def split(raw: bytes) -> email.message.Message | None:
    """The message tree ``email`` would build from ``raw``, or None to let ``email`` do it."""
    if _LONE_CR.search(raw):
        return None  # a lone CR ends a line for email's parser: not worth matching here
    return _entity(raw, 0, len(raw), depth=0)


Fields = dict[str, str]  # lower-case name -> first raw value


def _headers(raw: bytes, start: int, end: int) -> tuple[email.message.Message, Fields, int] | None:
    """The header block at ``start`` as email's parser stores it (compat32: raw name and
    value, continuation lines kept), the first value of each field by lower-case name, and
    the offset where the body starts. None where that parser would record a defect or do
    something special: a non-header line before the blank line, no blank line, a leading
    continuation line, a "From " line, an empty name.
    """
    block = _BLOCK.match(raw, start, end)
    if block is None:
        return None
    msg = email.message.Message()
    set_raw = msg.set_raw
    # email: value = first line after the colon without leading blanks, plus the
    # continuation lines as they are, without the final line end.
    fields = _FIELD.findall(raw[start : block.start(1)].decode("ascii", "surrogateescape"))
    for name, value in fields:
        set_raw(name, value)
    first = {name.lower(): value for name, value in reversed(fields)}
    return msg, first, block.end()


def _entity(
    raw: bytes,
    start: int,
    end: int,
    depth: int,
    *,
    part: bool = False,
) -> email.message.Message | None:
    head = _headers(raw, start, end)
    if head is None:
        return None
    msg, fields, body_start = head
    ctype = header_shapes.content_type(fields.get("content-type", "text/plain"))
    if ctype is None:
        ctype = msg.get_content_type()
    maintype = ctype.partition("/")[0]
    if maintype == "message":
        return None  # email parses the enclosed message (and delivery-status blocks) itself
    if maintype != "multipart":
        payload = raw[body_start:end]
        if part:  # RFC 2046: the line end before a boundary belongs to the boundary
            if payload.endswith(b"\r\n"):
                payload = payload[:-2]
            elif payload.endswith(b"\n"):
                payload = payload[:-1]
        msg.set_payload(payload.decode("ascii", "surrogateescape"))
        return msg
    parts = _multipart(msg, fields, ctype, raw, body_start, end, depth)
    if parts is None:
        return None
    msg.set_payload(parts)
    return msg


def _multipart(
    msg: email.message.Message,
    fields: Fields,
    ctype: str,
    raw: bytes,
    start: int,
    end: int,
    depth: int,
) -> list[email.message.Message] | None:
    boundary = _boundary(msg, fields)
    cte = fields.get("content-transfer-encoding", "8bit")
    cte = cte.lower() if cte.isascii() else str(msg.get("content-transfer-encoding")).lower()
    if boundary is None or depth >= _MAX_DEPTH or ctype == "multipart/digest":
        return None
    if depth == 0 and cte not in ("7bit", "8bit", "binary"):
        return None  # email records a defect on the message: leave it to email
    try:
        separator = b"--" + boundary.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return None
    marks = _delimiters(raw, start, end, separator)
    if marks is None or not marks or marks[0][2]:
        return None  # no first boundary line: email stores the text and a defect
    parts: list[email.message.Message] = []
    for (_, after, _), (following, _, closing) in zip(marks, marks[1:], strict=False):
        if following == after:
            return None  # repeated boundary lines: email skips them, we do not bother
        sub = _entity(raw, after, following, depth + 1, part=True)
        if sub is None:
            return None
        parts.append(sub)
        if closing:
            return parts
    return None  # no closing boundary: email records a defect on the message


def _boundary(msg: email.message.Message, fields: Fields) -> str | None:
    shaped = header_shapes.params(fields.get("content-type"))
    if shaped is None:
        return msg.get_boundary()
    boundary = shaped.get("boundary")  # then what get_boundary does with get_param's value
    return None if boundary is None else email.utils.collapse_rfc2231_value(boundary).rstrip()


def _delimiters(
    raw: bytes, start: int, end: int, separator: bytes
) -> list[tuple[int, int, bool]] | None:
    """(line start, line end, closing?) of each boundary line in ``raw[start:end]``.

    ``start`` is always at a line start. ``bytes.find`` skips the base64 in between at C
    speed; a hit counts only at a line start and followed by what email's pattern allows.
    None when the boundary text turns up too often elsewhere (each such hit costs a Python
    step: mail made of boundary text goes to email, which reads it line by line).
    """
    marks: list[tuple[int, int, bool]] = []
    misses = 0
    pos = start
    while (hit := raw.find(separator, pos, end)) >= 0:
        if hit == start or raw[hit - 1] == 0x0A:
            tail = _DELIMITER_TAIL.match(raw, hit + len(separator), end)
            if tail:
                marks.append((hit, tail.end(), tail.group(1) is not None))
                if tail.group(1) is not None:
                    break  # email stops at the closing line: the rest is epilogue
        else:
            misses += 1
            if misses > _MAX_MISSES:
                return None
        pos = hit + 1
    return marks
