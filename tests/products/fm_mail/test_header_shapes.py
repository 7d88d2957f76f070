"""The plain-shape readers give what the stdlib gives, or step aside.

Each reader in ``fm_mail.header_shapes`` either returns None (the caller then asks the
stdlib) or the stdlib's own answer. These tests compare both on the corpus, on the edge
cases of ``test_mime_split`` and on generated header values: structured plain ones (which
must take the fast path) and token soup full of the quoting, comments, escapes, RFC 2231
and encoded words that must not.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.header
import email.message
import email.policy
import email.utils

import fm_corpus
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mime_split import _EDGES, WHEN, _corpus

from fm_mail import header_shapes, mime

_SETTINGS = settings(max_examples=400, deadline=None)


def _headers_of_corpus() -> list[tuple[str, str]]:
    found = []
    for raw in [*_corpus(), *_EDGES.values()]:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        for part in msg.walk():
            found += [(k.lower(), v) for k, v in part.raw_items()]
    return found


# --- addresses ---------------------------------------------------------------------------


def _stdlib_addresses(value: str) -> list[tuple[str, str]]:
    return email.utils.getaddresses([value])


def _check_addresses(value: str) -> list[tuple[str, str]] | None:
    fast = header_shapes.addresses(value)
    if fast is not None:
        assert fast == _stdlib_addresses(value), value
    return fast


_ATOMS = st.text("abcxyz019!#$%&'*+-/=?^_`{|}~山\udcff", min_size=1, max_size=6)
_DOMAINS = st.lists(st.text("abc-019", min_size=1, max_size=5), min_size=1, max_size=3).map(
    ".".join
)
_ADDR = st.builds(
    lambda local, dom: f"{'.'.join(local)}@{dom}",
    st.lists(_ATOMS, min_size=1, max_size=3),
    _DOMAINS,
)
_NAME_WORDS = st.lists(
    st.one_of(
        _ATOMS,
        st.text("abc .,;:<>@()[]山", max_size=8).map(lambda t: f'"{t}"'),
        st.just("J."),
        st.just("=?UTF-8?B?5bGx55Sw?="),
    ),
    min_size=0,
    max_size=3,
)


@st.composite
def _plain_mailbox(draw: st.DrawFn) -> str:
    addr = draw(_ADDR)
    if draw(st.booleans()):
        return addr
    words = draw(_NAME_WORDS)
    gaps = [draw(st.sampled_from([" ", "  ", "\t", ""])) for _ in words]
    # adjacent words need a blank unless a quote separates them
    phrase = "".join(
        w + (g or (" " if not w.endswith('"') else "")) for w, g in zip(words, gaps, strict=True)
    )
    return f"{phrase}<{addr}>"


_PLAIN_LISTS = st.lists(_plain_mailbox(), min_size=1, max_size=4).flatmap(
    lambda items: st.sampled_from([", ", ",", " ,  ", ",\t"]).map(lambda sep: sep.join(items))
)
_ADDRESS_SOUP = st.lists(
    st.sampled_from(
        [
            "a",
            "b.c",
            "@",
            "example.jp",
            "<",
            ">",
            '"',
            " ",
            ",",
            "(",
            ")",
            "\\",
            ".",
            ":",
            ";",
            "=?UTF-8?B?5bGx?=",
            "\t",
            "山",
            "\udcff",
            "x@y",
            "Name <a@b>",
            "[1.2.3.4]",
            "\r\n",
            "<>",
            "\x01",
        ]
    ),
    max_size=12,
).map("".join)


@_SETTINGS
@given(_PLAIN_LISTS)
def test_plain_address_lists_take_the_fast_path_and_match_the_stdlib(value):
    assert _check_addresses(value) is not None, value


@st.composite
def _damaged(draw: st.DrawFn, plain: st.SearchStrategy[str], junk: list[str]) -> str:
    """A plain value with one to three of the details that make the stdlib read it otherwise."""
    value = draw(plain)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(value)))
        value = value[:at] + draw(st.sampled_from(junk)) + value[at:]
    return value


_ADDRESS_JUNK = ["\\", "\\", '\\"', '"', "(", ")", ",", ":", ";", "<", ">", "@", " ", "."]


@_SETTINGS
@given(st.one_of(_ADDRESS_SOUP, _damaged(_PLAIN_LISTS, _ADDRESS_JUNK)))
def test_any_address_value_matches_the_stdlib_or_goes_to_it(value):
    _check_addresses(value)


@pytest.mark.parametrize(
    "value",
    [
        '"Quoted, Name" <q@example.jp>',
        "Smith (comment) <s@example.jp>",
        "group: a@b, c@d;",
        '"back\\"slash" <b@example.jp>',
        '"back\\slash" <b@example.jp>',
        "Name <a@b>,",
        "a@b, , c@d",
        "<>",
        "a@b c@d",
        "x@y@z",
        "Name <a@b> junk",
        "",
        " ",
        "a@b,",
        "山田\u3000太郎 <y@example.jp>",  # a blank to str.split, a word character to email
        "Yamada\x85Taro <y@example.jp>",
        "Yamada \t  Taro\t<y@example.jp>",
    ],
)
def test_address_edge_cases(value):
    _check_addresses(value)


# --- parameters (Content-Type, Content-Disposition) ----------------------------------------

_NAMES = ("charset", "boundary", "name", "filename", "format", "text/plain", "attachment")


def _check_params(value: str) -> dict[str, str] | None:
    msg = email.message.Message()
    msg["Content-Type"] = value
    shaped = header_shapes.params(value)
    if shaped is not None:
        for name in {*_NAMES, *shaped}:
            assert shaped.get(name) == msg.get_param(name, None, "content-type"), (value, name)
        assert shaped.get("charset", "").lower() == (msg.get_content_charset() or ""), value
    fast_type = header_shapes.content_type(value)
    if fast_type is not None:
        assert fast_type == msg.get_content_type(), value
    extended = header_shapes.params(value, extended=True)
    if shaped is not None:
        assert extended == shaped, value  # without an RFC 2231 parameter: the same reading
    head = value.partition(";")[0].strip().lower()  # the type: checked above
    for key, raw in (extended or {}).items():
        if key == head:
            continue
        stdlib = msg.get_param(key.rstrip("*"), None, "content-type")
        if not key.endswith("*") or key[:-1] in extended:  # plain ones come first
            assert extended[key.rstrip("*")] == stdlib, (value, key)
        elif (found := header_shapes.rfc2231(raw)) is not None:
            assert isinstance(stdlib, tuple), (value, key)
            assert found == (stdlib[0], stdlib[2]), (value, key)
    return extended


_TOKENS = st.text("abcXYZ019!#$%&'+-.^_`{|}~=<>/", min_size=0, max_size=8)
_RFC2231 = st.builds(
    lambda name, charset, lang, text: f"; {name}={charset}'{lang}'{text}",
    st.sampled_from(["filename*", "NAME*", "x_y*"]),
    st.sampled_from(["UTF-8", "utf-8", "Shift_JIS", ""]),
    st.sampled_from(["", "ja"]),
    st.lists(
        st.sampled_from(["%E8%AB%8B", "%E3", "abc", ".pdf", "%", "%ZZ", "'", "%27", "~"]),
        max_size=5,
    ).map("".join),
)
# RFC 2231 continuations: numbered segments, encoded or not, in any order. The plain ones
# (numbers unique, every "%" an escape in an encoded segment) take the fast path.
_ENCODED_SEGMENTS = ["%E8%AB", "%8B", "abc", ".pdf", "~", ""]
_LITERAL_SEGMENTS = ["abc", ".pdf", "'", "~", "", '"q"']


@st.composite
def _continued(draw: st.DrawFn, *, plain: bool = True) -> str:
    count = draw(st.integers(1, 4))
    numbers = draw(st.permutations(range(count)))
    if not plain:
        numbers = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    junk = [] if plain else ["%", "%E", "3", "%ZZ"]
    name = draw(st.sampled_from(["filename", "NAME"]))
    text = []
    for number in numbers:
        encoded = draw(st.booleans())
        pool = (_ENCODED_SEGMENTS if encoded else _LITERAL_SEGMENTS) + junk
        value = draw(st.sampled_from(pool))
        if number == 0 and encoded:
            value = draw(st.sampled_from(["UTF-8''", "utf-8'ja'", "", "x'"])) + value
        text.append(f"; {name}*{number}{'*' if encoded else ''}={value}")
    return "".join(text)


_PLAIN_PARAMS = st.builds(
    lambda head, params, extended, end: head + "".join(params) + extended + end,
    st.sampled_from(["text/plain", "multipart/mixed", "attachment", "inline", " text/HTML "]),
    st.lists(
        st.builds(
            lambda ows1, name, ows2, value: f";{ows1}{name}{ows2}={ows2}{value}",
            st.sampled_from(["", " ", "\r\n ", "\t"]),
            st.sampled_from(["charset", "Boundary", "NAME", "filename", "format", "x-y"]),
            st.sampled_from(["", " "]),
            st.one_of(_TOKENS, st.text("ab =?;:,/()<>@[]山", max_size=8).map(lambda t: f'"{t}"')),
        ),
        max_size=4,
    ),
    st.one_of(st.just(""), _RFC2231, _continued()),
    st.sampled_from(["", ";", " ", "; "]),
)
_PARAM_SOUP = st.lists(
    st.sampled_from(
        [
            "text/plain",
            ";",
            " ",
            "charset",
            "=",
            '"',
            "utf-8",
            "name",
            "*",
            "'",
            "%E3",
            "\\",
            "\r\n ",
            "boundary",
            "<x>",
            "a;b",
            "=?UTF-8?B?eA==?=",
            "\x1c",
            "é",
            "*0",
            "filename",
            "\udcff",
            "(c)",
            "",
        ]
    ),
    max_size=14,
).map("".join)


@_SETTINGS
@given(_PLAIN_PARAMS)
def test_plain_parameters_take_the_fast_path_and_match_the_stdlib(value):
    if "山" in value:
        assert _check_params(value) is None  # 8-bit text is compat32's Header business
    else:
        assert _check_params(value) is not None, value


_PARAM_JUNK = ["\\", '\\"', "\\\\", '"', "*", "'", "=", ";", " ", "\r\n ", "\x0b", "%22", "*0"]


@_SETTINGS
@given(
    st.one_of(
        _PARAM_SOUP,
        _damaged(_PLAIN_PARAMS, _PARAM_JUNK),
        st.builds(str.__add__, st.just("attachment"), _continued(plain=False)),
    )
)
def test_any_parameter_value_matches_the_stdlib_or_goes_to_it(value):
    _check_params(value)


@pytest.mark.parametrize(
    "value",
    [
        "charset",  # the type is the first "parameter" get_param looks at
        "text/plain; charset",
        'text/plain; name="a\\"b"',
        'text/plain; name="a\\\\"',
        'text/plain; name="a\\b"',
        "text/plain; name*=UTF-8''%E3%81%82",
        "text/plain; name*=UTF-8''%E3%81%82; name=plain",
        "text/plain; name*=UTF-8''%22%5C",
        "text/plain; name*=abc",
        "text/plain; name*=a; name*=b",
        "text/plain; name*0*=UTF-8''%E3; name*1*=%81%82",
        "text/plain; name*1*=%81%82; name*0*=UTF-8''%E3",
        "text/plain; name*0*=UTF-8''%E3%81; name*2*=%82",
        "text/plain; name*0=abc; name*1=def",
        'text/plain; name*0="a b"; name*1=c',
        "text/plain; name*0*=UTF-8''%E; name*1*=3%81%82",
        "text/plain; name*0*=UTF-8''%E3; name*1=%81%82",
        "text/plain; name*0*=UTF-8''%E3; name*0*=%81",
        "text/plain; name*=UTF-8''%E3; name*0*=%81",
        "text/plain; name=plain; name*0=a; name*1=b",
        "text/plain; name*0=a; name*1=b; name=plain",
        "text/plain; name*0*=UTF-8''%E3%81%82; name=plain",
        "text/plain; name*10*=%82; name*9*=UTF-8''%E3%81",
        "text/plain; x-name*0*=UTF-8''%E3",
        "text/plain; x-name*=UTF-8''%E3",
        'text/plain; name="a"b',
        "text/plain; name=<x>",
        'text/plain; name="<x>"',
        "text/plain; charset=a; charset=b",
        "text/\r\n plain",
        "text/plain;;; charset=x",
        "text/plain; charset=x ;",
        "",
    ],
)
def test_parameter_edge_cases(value):
    _check_params(value)


# --- dates -----------------------------------------------------------------------------------


def _stdlib_date(value: str) -> str | None:
    try:
        return email.utils.parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _check_date(value: str) -> str | None:
    fast = header_shapes.date(value)
    if fast is not None:
        assert fast == _stdlib_date(value), value
    return fast


_DATES = st.builds(
    lambda when, zone, day_name, comment: (
        when.replace(tzinfo=dt.timezone(dt.timedelta(minutes=zone))).strftime(
            ("%a, " if day_name else "") + "%d %b %Y %H:%M:%S %z"
        )
        + comment
    ),
    st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
    st.booleans(),
    st.sampled_from(["", " (JST)", " (UTC)"]),
)
_DATE_SOUP = st.lists(
    st.sampled_from(
        [
            "Mon, ",
            "Mon,",
            "1 ",
            "01 ",
            "31 ",
            "32 ",
            "Feb ",
            "jan ",
            "2026 ",
            "99 ",
            "0999 ",
            "09:30:00 ",
            "24:00:00 ",
            "09:30 ",
            "23:59:60 ",
            "+0900",
            "-0000",
            "+0000",
            "GMT",
            " (JST)",
            "+2400",
            "-0960",
            " ",
            "\u0661",
        ]
    ),
    max_size=8,
).map(lambda parts: "".join(parts).strip())


@_SETTINGS
@given(_DATES)
def test_rfc5322_dates_take_the_fast_path_and_match_the_stdlib(value):
    if value.split()[-1 if "(" not in value else -2] == "-0000":
        assert _check_date(value) is None
    else:
        assert _check_date(value) is not None, value


@_SETTINGS
@given(_DATE_SOUP)
def test_any_date_matches_the_stdlib_or_goes_to_it(value):
    _check_date(value)


@pytest.mark.parametrize(
    "value",
    ["Mon, 01 Jun 2026 09:30:00 -0000", "Mon, 31 Feb 2026 09:30:00 +0900",
     "Mon, 01 Jun 2026 09:30:00 +2400", "01 Jun 0099 09:30:00 +0900",
     "Mon, 01 Jun 2026 24:00:00 +0900", "Mon, 01 Jun 2026 09:30:00 +0960"],
)  # fmt: skip
def test_date_edge_cases(value):
    _check_date(value)


# --- base64 sizes ------------------------------------------------------------------------------


def _stdlib_decode(payload: str) -> tuple[bytes, list]:
    msg = email.message.Message()
    msg["Content-Transfer-Encoding"] = "base64"
    msg.set_payload(payload)
    data = msg.get_payload(decode=True)
    assert isinstance(data, bytes)
    return data, msg.defects


def _check_size(payload: str) -> int | None:
    """base64_size and the bytes strict_base64 hands to a2b_base64 against the stdlib's
    decoding; both take the same payloads."""
    fast = header_shapes.base64_size(payload)
    checked = header_shapes.strict_base64(payload)
    assert (fast is None) == (checked is None), payload
    if fast is not None and checked is not None:
        data, defects = _stdlib_decode(payload)
        # and no defect either: on a one-part message that would be a parse_error
        assert (fast, binascii.a2b_base64(checked), defects) == (len(data), data, []), payload
    return fast


@st.composite
def _base64_payloads(draw: st.DrawFn, damage: bool) -> str:
    text = base64.b64encode(draw(st.binary(max_size=200))).decode()
    width = draw(st.sampled_from([4, 60, 76, 1000]))
    eol = draw(st.sampled_from(["\r\n", "\n"]))
    text = eol.join(text[i : i + width] for i in range(0, len(text), width))
    text += draw(st.sampled_from(["", eol]))
    if damage:
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(text)))
            junk = draw(
                st.sampled_from(["=", " ", "*", "\r", "\n", "A", "\x0b", "\x1c", "é", "-", "=="])
            )
            cut = draw(st.integers(0, 2))
            text = text[:at] + junk + text[at + cut :]
    return text


@_SETTINGS
@given(_base64_payloads(damage=False))
def test_valid_base64_is_counted_without_decoding(payload):
    assert _check_size(payload) is not None


@_SETTINGS
@given(_base64_payloads(damage=True))
def test_damaged_base64_matches_the_stdlib_or_goes_to_it(payload):
    _check_size(payload)


def test_base64_count_equals_the_strict_decode():
    payloads = ["", "QQ==", "QUI=", "QUJD", "QQ==\r\n", "QU\r\nI=", "Q=Q=", "QQ=\r\n=", "QQ\r\n=="]
    payloads += ["QUI=\r\n\r\n", "QQ=\r\nA", "=QQ=", "QQ\r\n\r\n", "QU\rJD", "QUJD\n\r"]
    for payload in payloads:
        fast = _check_size(payload)
        if fast is not None:
            joined = payload.replace("\r", "").replace("\n", "")
            assert fast == len(binascii.a2b_base64(joined, strict_mode=True))


# --- RFC 2047 encoded words --------------------------------------------------------------------

_ENCODED_SOUP = st.lists(
    st.sampled_from(
        [
            "=?UTF-8?B?5bGx55Sw?=",
            "=?utf-8?b?5bGx55SwIOWkqumDjg==?=",
            "=?UTF-8?Q?a_b=3D=E5=B1=B1?=",
            "=?ISO-2022-JP?B?GyRCOjRGIxsoQiAbJEIyVjtSGyhC?=",
            "=?iso-2022-jp?B?GyRCJCo4K0BRJGokTiQ0QXdJVRsoQg==?=",
            "=?UTF-8?B?5bGx55S?=",  # padding missing
            "=?UTF-8?B?QQ=?=",
            "=?UTF-8?B?5b?Gx?=",
            "=?UTF-8?B?*?=",
            "=?UTF-8?B?A?=",  # broken base64: decode_header raises
            "=?UTF-8*ja?B?5bGx?=",
            "=??B??=",
            "=?UTF-8?X?abc?=",
            " ",
            "\t",
            "x",
            "=?",
            "?=",
            "\n",
            "\r\n ",
            "é",
            "\x1c",
        ]
    ),
    max_size=8,
).map("".join)


@_SETTINGS
@given(_ENCODED_SOUP)
def test_encoded_words_are_read_as_the_stdlib_reads_them(value):
    words = header_shapes.encoded_words(value)
    if words is not None:
        assert words == email.header.decode_header(value), value


@pytest.mark.parametrize(
    "value",
    [
        "=?UTF-8?B?5bGx55Sw?=",
        "=?UTF-8?B?5bGx55S?=",  # padding missing: decode_header adds it
        "=?UTF-8?B?5bGx?= =?UTF-8?B?55Sw?=",  # the blank between goes, the bytes join
        "=?UTF-8?B?5bGx?==?ISO-2022-JP?B?GyRCOjRGIxsoQg==?=",
        " =?utf-8?q?a_b?=\t=?UTF-8?Q?=E5=B1=B1?=",
    ],
)
def test_plain_encoded_words_are_read_without_the_stdlib(value):
    assert header_shapes.encoded_words(value) == email.header.decode_header(value)


# --- unstructured header text ------------------------------------------------------------------

_TEXT_SOUP = st.lists(
    st.sampled_from(
        [
            "Weekly report",
            " ",
            "\t",
            "\r\n ",
            "\n\t",
            "=?",
            "?=",
            "=?UTF-8?B?5bGx55Sw?=",
            "\x1b$B",
            "\x1b(B",
            "山",
            "\udcff",
            "=",
            "?",
            "\x00",
            "\r",
        ]
    ),
    max_size=10,
).map("".join)


@_SETTINGS
@given(st.one_of(_TEXT_SOUP, st.text(max_size=30)))
def test_plain_header_text_is_returned_as_the_long_way_would(value):
    assert mime.decode_header_value(value) == mime.decode_words(value)


# --- attachment file names ---------------------------------------------------------------------

_FILE_NAMES = st.text(
    st.one_of(
        st.sampled_from("\x00\x01\t\n\r\x1f\x7f\x85\u3000\u2028/\\. a山"),
        st.characters(codec="utf-8"),
    ),
    max_size=12,
)


@_SETTINGS
@given(_FILE_NAMES)
def test_file_names_lose_paths_and_control_characters(name):
    encoded = "".join(f"%{byte:02X}" for byte in name.encode())
    fields = {"content-disposition": [f"attachment; filename*=UTF-8''{encoded}"]}
    kept = "".join(c for c in name.strip() if not (c < "\x20" or c == "\x7f"))
    expected = kept.replace("\\", "/").rsplit("/", 1)[-1][:255] or None
    assert mime.filename(fields) == expected


# --- the corpus and whole listings ------------------------------------------------------------


def test_corpus_headers_match_the_stdlib():
    seen = {"from": 0, "content-type": 0, "date": 0}
    for name, value in _headers_of_corpus():
        if name in ("from", "to", "cc", "reply-to"):
            seen["from"] += _check_addresses(value) is not None
        elif name in ("content-type", "content-disposition"):
            seen["content-type"] += _check_params(value) is not None
        elif name == "date":
            seen["date"] += _check_date(mime.decode_header_value(value)) is not None
    assert all(seen.values()), seen  # the corpus's own headers do take the fast paths


def _listing(raw: bytes) -> tuple[dict, list]:
    described = mime.describe(raw)
    return described, [mime.find_part(raw, a["part"]) for a in described["attachments"]]


def _with_disposition(value: str) -> bytes:
    return (
        b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
        b"Content-Type: text/plain\r\n\r\nhi\r\n--b1\r\nContent-Type: application/pdf; "
        + value.replace("attachment", "name=n.pdf").encode()
        + b"\r\nContent-Disposition: "
        + value.encode()
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b1--\r\n"
    )


_DISPOSITIONS = [
    "attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82.pdf",
    "attachment; filename*=UTF-8''%E8%AB%8B.pdf; filename=plain.pdf",
    "attachment; filename=plain.pdf; filename*=UTF-8''%E8%AB%8B.pdf",
    "attachment; filename*=''%E8%AB%8B.pdf",
    "attachment; filename*=Shift_JIS'ja'%90%BF%8B%81.pdf",
    "attachment; filename*=no-ticks.pdf",
    "attachment; filename*=%C3%A9-no-ticks.pdf",
    "attachment; filename*=%22Shift_JIS''%81%60.pdf",  # stdlib: charset \\"Shift_JIS, not cp932
    "attachment; filename*=UTF-8''%22q%22.pdf",
    "attachment; filename*0*=UTF-8''%E8%AB; filename*1*=%8B.pdf",
    'attachment; filename="=?UTF-8?B?6KuL5rGC5pu4LnBkZg==?="',
    "inline; filename=<a.pdf>",
]


@pytest.mark.parametrize(
    "raw",
    [
        *_corpus(),
        *_EDGES.values(),
        fm_corpus.with_attachments(WHEN).raw,
        *map(_with_disposition, _DISPOSITIONS),
    ],
    ids=lambda raw: str(len(raw)),
)
def test_listings_are_the_same_without_the_plain_shape_readers(raw, monkeypatch):
    fast = _listing(raw)
    with monkeypatch.context() as patch:
        for reader in (
            "addresses", "params", "rfc2231", "date", "base64_size", "content_type",
            "encoded_words",
        ):  # fmt: skip
            patch.setattr(header_shapes, reader, lambda *_args, **_kwargs: None)
        assert _listing(raw) == fast
