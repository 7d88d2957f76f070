"""Read the common header shapes with one regular expression each, as ``email`` would.

The stdlib reads addresses, parameters and dates character by character in Python; on a
listing that was half of the MIME time. Each function here handles only the plain shape
that mailers send nearly always and returns ``None`` for anything else (comments, groups,
backslashes, odd quoting, RFC 2231 ``*`` parameters, obsolete date forms), so the caller
then asks the stdlib and unusual headers get exactly the old treatment. Where a shape is
taken, the result equals the stdlib's: ``tests/products/fm_mail/test_header_shapes.py``
compares both on the corpus and on generated values.
"""

from __future__ import annotations

import binascii
import datetime as dt
import email.header
import email.quoprimime
import re
import urllib.parse

# An atom as email._parseaddr reads it: anything but its specials, blanks and controls.
# (Dots end an atom in an address, not in a display name, where they are phrase text.)
_ATOM = r"[^\x00-\x20\x7f()<>@,:;.\"\[\]\\]++"
_DOT_ATOM = rf"{_ATOM}(?:\.{_ATOM})*"
_ADDR_SPEC = rf"{_DOT_ATOM}@{_DOT_ATOM}"
# A display-name word: a phrase atom (dots allowed) or a quoted string without escapes.
_WORD = r'"[^"\\\r\n]*+"|[^\x00-\x20\x7f()<>@,:;"\[\]\\]++'
# One mailbox of a list: "addr@host", "Name <addr@host>", "\"Quoted Name\" <addr@host>".
_MAILBOX = re.compile(
    rf"[ \t]*(?:(?P<bare>{_ADDR_SPEC})"
    rf"|(?P<phrase>(?:(?:{_WORD})[ \t]*)*)<(?P<route>{_ADDR_SPEC})>)[ \t]*(?:,|\Z)"
)
_PHRASE_WORD = re.compile(rf'"([^"\\\r\n]*)"|({_WORD})')


def addresses(value: str) -> list[tuple[str, str]] | None:
    """``email.utils.getaddresses([value])`` for a comma-separated list of plain mailboxes
    (no comments, groups, escapes, empty ``<>`` or empty list items); None for anything else."""
    result: list[tuple[str, str]] = []
    pos, end = 0, len(value)
    while pos < end:
        mailbox = _MAILBOX.match(value, pos)
        if mailbox is None or mailbox.end() == pos:
            return None
        bare, phrase, route = mailbox.group("bare", "phrase", "route")
        if bare is not None:
            result.append(("", bare))
        else:  # _parseaddr joins the phrase's words (quoted ones unquoted) with one space
            result.append((_phrase(phrase), route))
        pos = mailbox.end()
    return result or None  # an empty value: the stdlib's own reading


def _phrase(phrase: str) -> str:
    if phrase.isascii() and '"' not in phrase:
        # Its words are the runs between blanks (_WORD holds no ASCII white space).
        return " ".join(phrase.split())
    words = [q if a is None else a for q, a in (
        (m.group(1), m.group(2)) for m in _PHRASE_WORD.finditer(phrase)
    )]  # fmt: skip
    return " ".join(words)


# A parameter as Message._parseparam splits it: "; name=token" or '; name="quoted"', with
# optional blanks (and folds) around; no "*" (RFC 2231), no escapes, no quote in a token.
_OWS = r"[ \t\r\n]*"
_PARAM = re.compile(
    rf";{_OWS}(?:(?P<name>[!#-)+-:<>-\[\]-~]+)(?P<star>\*(?:[0-9]+\*?)?)?{_OWS}={_OWS}"
    rf'(?P<value>"[^"\\\x00-\x1f\x7f]*"|[!#-:<-\[\]-~]*){_OWS})?(?=;|\Z)'
)
# The part before the first ";" (the type or disposition): no quote, "=", escape or control.
_HEAD = re.compile(rf"{_OWS}[!#-:<>-\[\]-~]*{_OWS}(?=;|\Z)")


def params(value: object, *, extended: bool = False) -> dict[str, str] | None:
    """Lower-case name -> value of each parameter, as ``Message.get_param(name)`` returns it
    (first occurrence wins, quotes removed); None where the value is not of the plain shape.

    With ``extended``, RFC 2231 parameters may be among them: ``name*=charset'lang'%XX``, or
    its continuations ``name*0*=...; name*1*=...``. One with any ``%``-encoded segment is
    under ``name*``, its segments joined still encoded (see ``rfc2231``): get_param would
    return a tuple for it, so callers that do not ask for it get None for such values.
    Continuations without encoded segments are plain values under ``name``."""
    if not isinstance(value, str) or not value.isascii():
        return None  # raw 8-bit text: compat32 hands the parser a Header object
    head = _HEAD.match(value)
    if head is None:
        return None
    # The type itself is the first "parameter" get_param looks at (value "").
    found: dict[str, str] = {head.group().strip(" \t\r\n").lower(): ""}
    segments: dict[str, list[tuple[int | None, bool, str]]] = {}
    pos, end = head.end(), len(value)
    while pos < end:
        param = _PARAM.match(value, pos)
        if param is None:
            return None
        name, star, raw = param.group("name", "star", "value")
        if star is not None:
            name = name.lower()
            if not extended or not _RFC2231_BASE.fullmatch(name):
                return None  # decode_params keeps such a name, star and all, as plain
            number = star.strip("*")
            segments.setdefault(name, []).append(
                (int(number) if number else None, star.endswith("*"), _unquote(raw))
            )
        elif name is not None:
            found.setdefault(name.lower(), _unquote(raw))
        pos = param.end()
    # decode_params puts every RFC 2231 parameter after the plain ones.
    for name, parts in segments.items():
        joined = _joined(parts)
        if joined is None:
            return None
        text, encoded = joined
        if encoded:
            found[name + "*"] = text
        else:
            found.setdefault(name, text)
    return found


_RFC2231_BASE = re.compile(r"[A-Za-z0-9_]+")
# A value whose every "%" starts an escape (unrolled and possessive: a regex step per
# escape, not per character).
_PERCENT_ENCODED = re.compile(r"[^%]*+(?:%[0-9A-Fa-f]{2}[^%]*+)*+")


def _joined(parts: list[tuple[int | None, bool, str]]) -> tuple[str, bool] | None:
    """The segments of one RFC 2231 parameter joined as decode_params joins them, still
    %-encoded, and whether any was encoded; None where joining first would read otherwise
    (a repeated or mixed numbering, a "%" that is not an escape or is in a literal part)."""
    if len(parts) == 1 and parts[0][0] is None:
        return parts[0][2], True  # name*=...: a single encoded value
    numbers = {number for number, _, _ in parts}
    if None in numbers or len(numbers) != len(parts):
        return None  # the stdlib cannot sort a mix of name* and name*N; repeats: not here
    parts.sort(key=lambda part: part[0] or 0)
    for _, is_encoded, text in parts:
        if "%" in text and not (is_encoded and _PERCENT_ENCODED.fullmatch(text)):
            return None
    encoded = any(is_encoded for _, is_encoded, _ in parts)
    return "".join(text for _, _, text in parts), encoded


def rfc2231(raw: str) -> tuple[str | None, str] | None:
    """(charset, text) of an RFC 2231 value, as ``Message.get_param`` returns them (text in
    latin-1, its bytes to be decoded by the charset); None where quoting would change it."""
    if raw.isascii() and "\\" not in raw and _PERCENT_ENCODED.fullmatch(raw):
        # Each "%XX" is the byte XX, as unquote reads it with latin-1: as "\xXX" escapes,
        # decoded in C (unquote goes escape by escape in Python).
        text = raw.replace("%", "\\x").encode("ascii").decode("unicode_escape")
    else:
        text = urllib.parse.unquote(raw, encoding="latin-1")
    if "\\" in text or '"' in text:
        return None  # the stdlib quotes and unquotes the text: not worth following here
    parts = text.split("'", 2)
    if len(parts) <= 2:
        return None, text
    return parts[0], parts[2]


def _unquote(value: str) -> str:
    # email.utils.unquote for values without escapes or inner quotes
    if len(value) > 1 and (value[0], value[-1]) in (('"', '"'), ("<", ">")):
        return value[1:-1]
    return value


def encoded_words(value: str) -> list[tuple[bytes, str]] | None:
    """``email.header.decode_header(value)`` for a value made only of RFC 2047 encoded words
    (with blanks between them or none); None for anything else (text around the words,
    line breaks, non-ASCII, broken base64), which goes to the stdlib."""
    if not value.isascii() or value.splitlines() != [value]:
        return None  # (decode_header reads line by line)
    # decode_header's own pattern: unencoded text, then charset, encoding and text per word.
    parts = email.header.ecre.split(value)
    if len(parts) == 1 or parts[0].strip() or parts[-1]:
        return None  # decode_header drops blanks before the first word, not after the last
    chunks: list[tuple[bytes, str]] = []
    for index in range(1, len(parts), 4):
        charset, encoding, encoded, between = parts[index : index + 4]
        if between and not between.isspace():
            return None  # blanks between two words are dropped, any other text is kept
        word = _encoded_word(encoding, encoded)
        if word is None:
            return None
        charset = charset.lower()
        if chunks and chunks[-1][1] == charset:  # decode_header joins same-charset runs
            chunks[-1] = (chunks[-1][0] + word, charset)
        else:
            chunks.append((word, charset))
    return chunks


def _encoded_word(encoding: str, encoded: str) -> bytes | None:
    """The bytes of one encoded word, as decode_header reads them (None: it would raise)."""
    if encoding in "qQ":
        return email.quoprimime.header_decode(encoded).encode("raw-unicode-escape")
    missing = len(encoded) % 4  # decode_header pads base64 that lacks its padding
    try:
        return binascii.a2b_base64(encoded + "==="[: 4 - missing] if missing else encoded)
    except binascii.Error:
        return None


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# RFC 5322's date-time as mailers write it, with an optional "(JST)"-style comment.
_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9][0-9]{3}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})(?: \([A-Za-z]{1,5}\))?"
)
_ZONES: dict[int, dt.timezone] = {}


def date(value: str) -> str | None:
    """``email.utils.parsedate_to_datetime(value).isoformat()`` for the RFC 5322 form;
    None for anything else (including dates the stdlib rejects, and "-0000")."""
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    offset = int(zone_h) * 3600 + int(zone_m) * 60
    if sign == "-":
        if offset == 0:
            return None  # "-0000": the stdlib returns a naive time
        offset = -offset
    try:
        zone = _ZONES.get(offset) or _ZONES.setdefault(
            offset, dt.timezone(dt.timedelta(seconds=offset))
        )
        when = dt.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
            tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        return None
    return when.isoformat()


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_LINE_ENDS = b"\r\n"
_PADDING_AND_LINE_ENDS = b"=\r\n"


def base64_size(payload: str | bytes) -> int | None:
    """The length of ``Message.get_payload(decode=True)`` for a base64 payload, without
    decoding: only when the lines joined are strictly valid base64 (the stdlib's first
    try); None for anything else (blanks, junk, missing padding), which the stdlib repairs."""
    data = _ascii_bytes(payload)
    shape = None if data is None else _strict_base64_shape(data)
    if shape is None:
        return None
    joined_length, padding_length = shape
    return joined_length // 4 * 3 - padding_length


def strict_base64(payload: str | bytes) -> bytes | None:
    """The payload as bytes when its lines, joined as the stdlib joins them, are strictly
    valid base64; else None. ``binascii.a2b_base64`` skips the line ends, so it reads these
    bytes as the stdlib reads the joined lines (no copy of the payload without them)."""
    data = _ascii_bytes(payload)
    return data if data is not None and _strict_base64_shape(data) is not None else None


def _ascii_bytes(payload: str | bytes) -> bytes | None:
    if isinstance(payload, bytes):
        return payload
    try:
        return payload.encode("ascii")
    except UnicodeEncodeError:
        return None


def _strict_base64_shape(data: bytes) -> tuple[int, int] | None:
    """(length of the lines joined, length of the padding) when the joined lines are
    strictly valid base64; None otherwise. The stdlib joins ``bytes.splitlines()``: every
    CR and LF goes, nothing else."""
    # Deleting the alphabet leaves only the line ends and the padding, a few bytes: one
    # pass over the payload, where joining the lines and then checking them took two.
    rest = data.translate(None, _BASE64_ALPHABET)
    padding = rest.translate(None, _LINE_ENDS)
    joined_length = len(data) - len(rest) + len(padding)
    if joined_length % 4 or padding not in (b"", b"=", b"=="):
        return None
    if padding and data[data.index(b"=") :].translate(None, _PADDING_AND_LINE_ENDS):
        return None  # a letter after the padding: the joined lines do not end with it
    return joined_length, len(padding)


def content_type(value: object) -> str | None:
    """``Message.get_content_type()`` for a part whose Content-Type is ``value`` (an ASCII
    string: compat32 hands anything else over as a Header object); None otherwise."""
    if not isinstance(value, str) or not value.isascii():
        return None
    ctype = value.partition(";")[0].strip().lower()
    return ctype if ctype.count("/") == 1 else "text/plain"
