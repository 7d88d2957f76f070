"""ISO-2022-JP with NEC/IBM extensions: the fast JIS→Shift_JIS mapping reads as the byte loop."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fm_mail import charsets

JIS, ASCII, ROMAN, KANA = b"\x1b$B", b"\x1b(B", b"\x1b(J", b"\x1b(I"

_ROW_BYTE = st.integers(0x21, 0x7E)
_PAIRS = st.tuples(_ROW_BYTE, _ROW_BYTE).map(bytes)
_TOKENS = st.one_of(
    st.sampled_from([JIS, ASCII, ROMAN, KANA, b"\x1b$@", b"\r\n", b"\n", b"\r"]),
    _PAIRS,
    st.sampled_from([b"-!", b"$\"", b"F|", b"y!", b"|{"]),  # ①, あ, 日, IBM rows
    st.sampled_from([b"Hello ", b"1", b"!", b" "]),
)
_ODD = st.sampled_from([b"\x1b$A", b"\x1b", b"\xa4", b"\x80", b"\x00", b"\x7f", b"x"])


def _both(data: bytes) -> tuple[object, object]:
    def outcome(read):
        try:
            return read(data)
        except (UnicodeDecodeError, ValueError) as exc:
            return type(exc)

    fast = outcome(charsets._iso2022jp_via_cp932)
    slow = outcome(lambda d: charsets._jis_to_sjis_bytewise(d).decode("cp932"))
    return fast, slow


@settings(max_examples=500, deadline=None)
@given(st.lists(_TOKENS, max_size=20).map(b"".join))
def test_well_formed_runs_take_the_fast_path_and_read_the_same(data):
    fast, slow = _both(data)
    assert fast == slow
    if all(len(run) % 2 == 0 and all(0x21 <= b <= 0x7E for b in run) for run in _jis_runs(data)):
        assert charsets._jis_to_sjis(data) is not None


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_TOKENS, _ODD), max_size=20).map(b"".join))
def test_any_bytes_read_the_same_or_go_to_the_byte_loop(data):
    fast, slow = _both(data)
    assert fast == slow


def test_every_jis_pair_maps_as_the_byte_loop_maps_it():
    every = bytes(b for c1 in range(0x21, 0x7F) for c2 in range(0x21, 0x7F) for b in (c1, c2))
    for data in (JIS + every + ASCII, JIS + every.replace(b"!!", b"!!\r\n") + ASCII):
        assert charsets._jis_to_sjis(data) == charsets._jis_to_sjis_bytewise(data)


def _jis_runs(data: bytes) -> list[bytes]:
    """The runs in JIS mode between escapes and line ends."""
    runs, mode = [], "ascii"
    for index, piece in enumerate(charsets._ESCAPE.split(data)):
        if index % 2:
            mode = charsets._MODE[piece]
        elif mode == "jis":
            runs += [r for r in charsets._LINE_END.split(piece) if r not in (b"\r", b"\n")]
    return runs


@pytest.mark.parametrize(
    "text",
    ["本日の会議の議事録です。", "①②③ ㈱ 髙橋 﨑", "半角ｶﾀｶﾅ", "mixed 日本語 and ASCII\r\n二行目"],
)
def test_japanese_with_extensions_decodes(text):
    jis = _to_jis(text.encode("cp932"))
    assert charsets._jis_to_sjis(jis) is not None  # the fast path
    assert charsets.decode_bytes(jis, "ISO-2022-JP") == text


def _to_jis(sjis: bytes) -> bytes:
    """Shift_JIS (cp932) to ISO-2022-JP the long way, for the test only."""
    out, mode, i = bytearray(), "ascii", 0
    while i < len(sjis):
        byte = sjis[i]
        if byte < 0x80:
            if mode != "ascii":
                out += ASCII
                mode = "ascii"
            out.append(byte)
            i += 1
        elif 0xA1 <= byte <= 0xDF:
            if mode != "kana":
                out += KANA
                mode = "kana"
            out.append(byte - 0x80)
            i += 1
        else:
            if mode != "jis":
                out += JIS
                mode = "jis"
            c1, c2 = byte, sjis[i + 1]
            c1 -= 0x40 if c1 >= 0xE0 else 0
            row = (c1 - 0x70) * 2 - (1 if c2 < 0x9F else 0)
            cell = c2 - (0x1F if c2 < 0x7F else 0x20) if c2 < 0x9F else c2 - 0x7E
            out += bytes((row, cell))
            i += 2
    if mode != "ascii":
        out += ASCII
    return bytes(out)


# What each label means to decode_bytes (worked out once per label and kept).
_LABELLED = [
    ("“quoted” – café".encode("cp1252"), "iso-8859-1", "“quoted” – café"),  # as browsers do
    ("“quoted”".encode("cp1252"), ' "ISO-8859-1" ', "“quoted”"),
    ("①髙".encode("cp932"), "Shift_JIS", "①髙"),
    ("会議".encode("iso2022_jp"), None, "会議"),  # no label: the escape gives it away
    ("会議".encode("iso2022_jp"), "", "会議"),
    ("①".encode("cp932"), "utf-8", "①"),  # a wrong label: cp932 is tried next
    ("会議".encode(), "x-unknown", "会議"),
    ("会議".encode(), "us-ascii", "会議"),
    (b"\x81 \x82 ", "x-unknown", "\ufffd \ufffd "),  # neither UTF-8 nor cp932: replaced
    (b"\x81 \x82 ", "koi8-r", "│ ┌ "),
    (b"caf\xe9", "latin1", "café"),
    (b"d\xe9cor", "latin1", "décor"),  # valid cp932 too: the label comes first
]


@pytest.mark.parametrize(("data", "label", "text"), _LABELLED * 2)  # twice: as kept too
def test_labels_are_read_as_mailers_mean_them(data, label, text):
    assert charsets.decode_bytes(data, label) == text
