"""Turn mail bytes into text, tolerating the charsets Japanese mail really uses.

Mail labelled Shift_JIS is nearly always Windows-31J (cp932: NEC and IBM extensions such
as "①" or "髙"), and ISO-2022-JP mail often carries those same extensions, which Python's
strict ``iso2022_jp`` codec rejects. We decode such text via cp932 so nothing is lost, and
never raise: the worst case is U+FFFD replacement characters.
"""

from __future__ import annotations

import codecs

_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "cp943c": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",  # as browsers do: mislabelled cp1252 is the common case
    "latin1": "cp1252",
    "us-ascii": "utf-8",  # 8-bit bytes under a us-ascii label are usually UTF-8
    "ascii": "utf-8",
}
_ISO2022JP = {"iso-2022-jp", "iso2022_jp", "csiso2022jp", "iso-2022-jp-ms", "cp50220", "cp50221"}


def _iso2022jp_via_cp932(data: bytes) -> str:
    """Decode ISO-2022-JP by mapping JIS X 0208 rows to Shift_JIS, then cp932 (keeps NEC rows)."""
    out = bytearray()
    mode = "ascii"
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x1B:
            seq = data[i + 1 : i + 3]
            if seq in (b"$B", b"$@"):
                mode = "jis"
            elif seq in (b"(B", b"(J"):
                mode = "ascii"
            elif seq == b"(I":
                mode = "kana"
            else:
                raise ValueError("unsupported escape sequence")
            i += 3
        elif byte in (0x0A, 0x0D) or mode == "ascii":
            out.append(byte)
            i += 1
        elif mode == "kana":
            out.append(byte + 0x80)
            i += 1
        else:
            if i + 1 >= len(data):
                raise ValueError("truncated double-byte character")
            c1, c2 = data[i], data[i + 1]
            if c1 & 1:
                c2 += 0x1F if c2 < 0x60 else 0x20
            else:
                c2 += 0x7E
            c1 = ((c1 + 1) >> 1) + 0x70
            if c1 >= 0xA0:
                c1 += 0x40
            out += bytes((c1, c2))
            i += 2
    return out.decode("cp932")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip('"').lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode ``data`` labelled ``charset`` (may be None, unknown or wrong); never raises."""
    label = (charset or "").strip().strip('"').lower()
    if label in _ISO2022JP or (not label and b"\x1b$" in data):
        for attempt in (lambda: data.decode("iso2022_jp"), lambda: _iso2022jp_via_cp932(data)):
            try:
                return attempt()
            except (UnicodeDecodeError, ValueError):
                pass
    codec = _codec(charset)
    candidates = [c for c in (codec, "utf-8", "cp932") if c]
    for name in candidates:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    return data.decode(codec or "utf-8", errors="replace")
