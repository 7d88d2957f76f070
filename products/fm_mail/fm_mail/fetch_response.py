"""Read a ``UID FETCH`` response into imapclient's shape, without its per-character lexer.

imapclient parses every response character by character in Python; for a listing page
that was a fifth of the plug-in's time, mostly on the same few items per message
(``UID``, ``RFC822.SIZE``, ``FLAGS``, ``INTERNALDATE``, a ``BODY[...]`` literal). Records
made only of those, as servers send them, are read here with one regular expression each;
a response with anything else (unsolicited items, quoted or NIL values, an item this
module does not know) is handed whole to imapclient's own ``parse_fetch_response``, so
unusual servers get exactly imapclient's reading.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.fixed_offset import FixedOffset
from imapclient.response_parser import parse_fetch_response

# One item of a record: which item, and its value (a number, a flag list, a date, a literal).
_ITEM = re.compile(
    rb"(?:(UID|RFC822\.SIZE) (\d+)"
    rb"|(FLAGS) \(([^()\"{}\[\]\r\n]*)\)"
    rb'|(INTERNALDATE) "([^"\\\r\n]*)"'
    rb"|(BODY\[[A-Z0-9.]*\](?:<\d+>)?) \{(\d+)\}\Z)",
    re.IGNORECASE,
)
_START = re.compile(rb"(\d+) \(")
# The records a listing asks for, whole, in the order servers answer them: the same
# reading as item by item (below), in one step. The page's FETCH: its sizes, flags and
# dates, and the first bytes of each message (a partial ``BODY[]<0>``).
_META = re.compile(
    rb"(\d+) \(UID (\d+) RFC822\.SIZE (\d+) FLAGS \(([^()\"{}\[\]\r\n]*)\)"
    rb' INTERNALDATE "([^"\\\r\n]*)"(?: (BODY\[\]<0>) \{(\d+)\}|\))',
    re.IGNORECASE,
)
# The rest of long messages, or headers: one literal.
_BODY = re.compile(rb"(\d+) \(UID (\d+) (BODY\[(?:HEADER)?\](?:<\d+>)?) \{(\d+)\}", re.IGNORECASE)


def parse(records: list[Any], requested: Iterable[int]) -> dict[int, dict[bytes, Any]]:
    """``records`` as imaplib returns them for ``UID FETCH``; keyed by UID like
    ``IMAPClient.fetch``, with unsolicited answers for other messages dropped."""
    return parse_answers(_answers(records), requested)


def parse_answers(
    answers: Iterable[list[Any]],
    requested: Iterable[int],
    on_record: Callable[[int, dict[bytes, Any]], None] | None = None,
) -> dict[int, dict[bytes, Any]]:
    """``parse`` of a response handed over answer by answer, as ``connection.fetch_answers``
    does: each answer of the plain shape is read once, as it arrives, and shown to
    ``on_record``; if any is not, the whole response goes to imapclient's parser at the end."""
    records: list[Any] = []
    plain: dict[int, dict[bytes, Any]] | None = {}
    for answer in answers:
        records.extend(answer)
        found = _plain_answer(answer)
        if found is None:
            plain = None
            continue
        uid, values = found
        if plain is not None:
            plain.setdefault(uid, {}).update(values)
        if on_record is not None:
            on_record(uid, values)
    parsed = plain
    if parsed is None:
        parsed = parse_fetch_response(records, normalise_times=False, uid_is_key=True)
    return {uid: parsed[uid] for uid in requested if uid in parsed}


def _answers(records: list[Any]) -> Iterator[list[Any]]:
    """imaplib's FETCH records cut into answers: any ``(line, literal)`` pairs, then the
    answer's last line."""
    answer: list[Any] = []
    for entry in records:
        answer.append(entry)
        if not isinstance(entry, tuple):
            yield answer
            answer = []
    if answer:
        yield answer  # cut short: not of the plain shape


def _plain_answer(entries: list[Any]) -> tuple[int, dict[bytes, Any]] | None:
    """One answer's UID and items when it is a single line, or one literal closed by ")";
    None for any other shape."""
    if len(entries) == 1 and isinstance(entries[0], bytes):
        return _record(entries[0], None)
    if len(entries) == 2 and entries[1] == b")" and isinstance(entries[0], tuple):
        pair = entries[0]
        if len(pair) == 2 and isinstance(pair[0], bytes) and isinstance(pair[1], bytes):
            return _record(pair[0], pair[1])
    return None


def _record(line: bytes, literal: bytes | None) -> tuple[int, dict[bytes, Any]] | None:
    whole = _META.fullmatch(line)
    if whole is not None:
        seq, uid, size, flags, date, section, length = whole.groups()
        atoms = tuple(flags.split())
        if (section is None) == (literal is None) and not any(
            a.isdigit() or a.upper() == b"NIL" for a in atoms
        ):
            values = {b"SEQ": int(seq), b"RFC822.SIZE": int(size), b"FLAGS": atoms}
            values[b"INTERNALDATE"] = _internaldate(date)
            if section is None:
                return int(uid), values
            if literal is not None and int(length) == len(literal):
                values[section.upper()] = literal
                return int(uid), values
    elif literal is not None:
        body = _BODY.fullmatch(line)
        if body is not None and int(body.group(4)) == len(literal):
            seq, uid, section, _ = body.groups()
            return int(uid), {b"SEQ": int(seq), section.upper(): literal}
    return _items(line, literal)


def _items(line: bytes, literal: bytes | None) -> tuple[int, dict[bytes, Any]] | None:
    start = _START.match(line)
    if start is None:
        return None
    values: dict[bytes, Any] = {b"SEQ": int(start.group(1))}
    pos = start.end()
    end = len(line) if literal is not None else len(line) - 1
    if literal is None and not line.endswith(b")"):
        return None
    uid: int | None = None
    while pos < end:
        if pos > start.end():  # items are separated by one space, as imapclient expects
            if line[pos] != 0x20:
                return None
            pos += 1
        item = _ITEM.match(line, pos, end)
        if item is None or item.end() == pos:
            return None
        name, number, flags, date, section, size = (
            item.group(1) or item.group(3) or item.group(5) or item.group(7),
            item.group(2),
            item.group(4),
            item.group(6),
            item.group(7),
            item.group(8),
        )
        key = name.upper()
        if key in values or (key == b"UID" and uid is not None):
            return None
        if key == b"UID":
            uid = int(number)  # the record's key, not one of its values (as imapclient)
        elif number is not None:
            values[key] = int(number)
        elif flags is not None:
            atoms = tuple(flags.split())
            if any(a.isdigit() or a.upper() == b"NIL" for a in atoms):
                return None  # imapclient turns these into int / None
            values[key] = atoms
        elif date is not None:
            values[key] = _internaldate(date)
        elif section is not None:
            if literal is None or int(size) != len(literal):
                return None
            values[key] = literal
            literal = None
        pos = item.end()
    if uid is None or literal is not None:
        return None
    return uid, values


# INTERNALDATE as RFC 3501 writes it; "-0000" (no zone known) is left to imapclient.
_DATE_TIME = re.compile(
    rb"([ 0-9]?[0-9])-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-([1-9][0-9]{3})"
    rb" ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
         b"Dec"), 1
    )
}  # fmt: skip
_ZONES: dict[int, FixedOffset] = {}


def _internaldate(value: bytes) -> Any:
    fast = _date_time(value)
    if fast is not None:
        return fast
    try:  # imapclient's own conversion (and None where it gives up)
        return parse_to_datetime(value, normalise=False)
    except ValueError:
        return None


def _date_time(value: bytes) -> dt.datetime | None:
    """``parse_to_datetime(value, normalise=False)`` for the RFC 3501 form, else None."""
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = match.groups()
    minutes = int(zone_h) * 60 + int(zone_m)
    if sign == b"-":
        if minutes == 0:
            return None
        minutes = -minutes
    zone = _ZONES.get(minutes)
    if zone is None:
        zone = _ZONES.setdefault(minutes, FixedOffset(minutes))
    try:
        return dt.datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
            tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        return None
