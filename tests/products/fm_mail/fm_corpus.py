"""Real-world-shaped mail for the tests, built as raw bytes the way mailers send them."""

from __future__ import annotations

import base64
import datetime as dt
import random
from dataclasses import dataclass, field

JST = dt.timezone(dt.timedelta(hours=9))


def _b64_lines(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _word(text: str, charset: str) -> str:
    """RFC 2047 B-encoded word."""
    codec = {"iso-2022-jp": "iso2022_jp", "shift_jis": "cp932"}.get(charset.lower(), charset)
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


@dataclass
class Attachment:
    part: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Sample:
    key: str
    raw: bytes
    flags: str
    when: dt.datetime
    subject: str | None = None
    text_contains: str | None = None
    html_contains: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


def _head(subject: str, when: dt.datetime, extra: str = "", sender: str = "") -> str:
    sender = sender or "Sender <sender@example.jp>"
    return (
        f"From: {sender}\r\nTo: Alice <alice@example.jp>\r\nSubject: {subject}\r\n"
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n"
        f"Message-ID: <{when.timestamp():.0f}@example.jp>\r\nMIME-Version: 1.0\r\n{extra}"
    )


def plain_ascii(when: dt.datetime) -> Sample:
    raw = _head("Weekly report", when, "Content-Type: text/plain; charset=us-ascii\r\n")
    raw += "\r\nAll systems nominal.\r\n"
    return Sample("ascii", raw.encode(), "\\Seen", when, "Weekly report", "All systems nominal.")


def alternative_utf8(when: dt.datetime) -> Sample:
    subject = "会議の議事録について"
    text = "本日の会議の議事録です。\r\nよろしくお願いします。\r\n"
    html = "<html><body><p>本日の<b>会議</b>の議事録です。</p></body></html>\r\n"
    raw = _head(
        _word(subject, "UTF-8"),
        when,
        'Content-Type: multipart/alternative; boundary="alt-1"\r\n',
        sender=f"{_word('山田 太郎', 'UTF-8')} <yamada@example.jp>",
    ).encode()
    raw += (
        b"\r\n--alt-1\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64_lines(text.encode()) + b"\r\n"
        b"--alt-1\r\nContent-Type: text/html; charset=UTF-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + html.replace("本日", "=E6=9C=AC=E6=97=A5").encode()
        + b"--alt-1--\r\n"
    )
    return Sample("utf8-alt", raw, "", when, subject, "よろしくお願いします", "<b>会議</b>")


def iso2022jp(when: dt.datetime) -> Sample:
    subject = "お見積りのご送付"
    # "①" (NEC row 13) is outside strict ISO-2022-JP but common in real Japanese mail.
    body = "お世話になっております。\r\n①お見積書をお送りします。\r\n"
    sjis = body.encode("cp932")
    encoded = bytearray()
    jis = b""  # re-encode via cp932 → JIS by hand (Python's iso2022_jp rejects ①)
    for ch in body:
        if ord(ch) < 0x80:
            if jis:
                encoded += b"\x1b$B" + jis + b"\x1b(B"
                jis = b""
            encoded += ch.encode()
            continue
        s1, s2 = ch.encode("cp932")
        s1 = (s1 - 0x70 if s1 <= 0x9F else s1 - 0xB0) * 2
        if s2 < 0x9F:
            s1 -= 1
            s2 -= 0x1F if s2 < 0x80 else 0x20
        else:
            s2 -= 0x7E
        jis += bytes((s1, s2))
    if jis:
        encoded += b"\x1b$B" + jis + b"\x1b(B"
    assert sjis  # keeps the intent obvious: same text as the Shift_JIS sample would carry
    raw = _head(
        _word(subject, "ISO-2022-JP"),
        when,
        "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n",
        sender=f"{_word('佐藤 花子', 'ISO-2022-JP')} <sato@example.jp>",
    ).encode()
    raw += b"\r\n" + bytes(encoded)
    return Sample("iso2022jp", raw, "", when, subject, "①お見積書をお送りします。")


def shift_jis(when: dt.datetime) -> Sample:
    subject = "髙橋様 ① ご請求のお知らせ"
    body = "髙橋様\r\n今月のご請求額は①１，２３４円です。ｶﾀｶﾅ\r\n"
    raw = _head(
        _word(subject, "Shift_JIS"),
        when,
        "Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit\r\n",
    ).encode()
    raw += b"\r\n" + body.encode("cp932")
    return Sample("sjis", raw, "\\Seen", when, subject, "今月のご請求額は①１，２３４円です。ｶﾀｶﾅ")


def with_attachments(when: dt.datetime) -> Sample:
    rng = random.Random(5)
    pdf = b"%PDF-1.4\n" + bytes(rng.randrange(256) for _ in range(20_000))
    csv_name = "売上データ.csv"
    csv = "日付,金額\r\n2026-06-01,1000\r\n".encode("cp932")
    png = bytes.fromhex("89504e470d0a1a0a") + bytes(rng.randrange(256) for _ in range(3_000))
    long_name = "2026年度 第1四半期 プロジェクト進捗報告書（最終版）.xlsx"
    xlsx = bytes(rng.randrange(256) for _ in range(7_777))
    quoted = "".join(f"%{b:02X}" for b in long_name.encode())
    chunks = [quoted[i : i + 60] for i in range(0, len(quoted), 60)]
    continued = ";\r\n".join(
        f" filename*{i}*={'UTF-8' + chr(39) * 2 if i == 0 else ''}{c}" for i, c in enumerate(chunks)
    )
    raw = _head(
        "Invoice and data",
        when,
        'Content-Type: multipart/mixed; boundary="mix-1"\r\n',
    ).encode()
    raw += (
        b"\r\nThis is a multi-part message in MIME format.\r\n"
        b'--mix-1\r\nContent-Type: multipart/alternative; boundary="alt-2"\r\n\r\n'
        b"--alt-2\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nPlease find attached.\r\n"
        b"--alt-2\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
        b'<p>Please find attached.<img src="cid:logo@x"></p>\r\n--alt-2--\r\n'
        b"--mix-1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment;\r\n"
        b" filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.pdf\r\n\r\n"
        + _b64_lines(pdf)
        + b"\r\n--mix-1\r\n"
        b'Content-Type: text/csv; charset=Shift_JIS; name="'
        + _word(csv_name, "ISO-2022-JP").encode()
        + b'"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="'
        + _word(csv_name, "ISO-2022-JP").encode()
        + b'"\r\n\r\n'
        + _b64_lines(csv)
        + b"\r\n--mix-1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-ID: <logo@x>\r\nContent-Disposition: inline\r\n\r\n"
        + _b64_lines(png)
        + b"\r\n--mix-1\r\n"
        b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
        b"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n"
        + continued.encode()
        + b"\r\n\r\n"
        + _b64_lines(xlsx)
        + b"\r\n--mix-1--\r\n"
    )
    return Sample(
        "attachments",
        raw,
        "",
        when,
        "Invoice and data",
        "Please find attached.",
        "cid:logo@x",
        [
            Attachment("2", "請求書.pdf", "application/pdf", pdf),
            Attachment("3", csv_name, "text/csv", csv),
            Attachment("4", None, "image/png", png),  # type: ignore[arg-type]
            Attachment(
                "5",
                long_name,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx,
            ),
        ],
    )


def large_attachment(when: dt.datetime, size: int, key: str) -> Sample:
    data = random.Random(size).randbytes(size)
    raw = _head(f"Big file {key}", when, 'Content-Type: multipart/mixed; boundary="big"\r\n')
    raw_b = raw.encode() + (
        b"\r\n--big\r\nContent-Type: text/plain\r\n\r\nSee attachment.\r\n"
        b"--big\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="' + key.encode() + b'.bin"\r\n\r\n'
        + _b64_lines(data)
        + b"\r\n--big--\r\n"
    )
    return Sample(
        key, raw_b, "\\Seen", when, f"Big file {key}", "See attachment.", None,
        [Attachment("2", f"{key}.bin", "application/octet-stream", data)],
    )  # fmt: skip


def malformed(when: dt.datetime) -> Sample:
    """Broken in several ways at once: bad charset label, unterminated multipart, junk."""
    raw = (
        b"From: =?bogus-charset?Q?Bad=20Sender?= <>\r\n"
        b"To: undisclosed-recipients:;\r\n"
        b"Subject: =?UTF-8?B?not base64!!?= \xff\xfe raw bytes\r\n"
        b"Date: yesterday-ish\r\n"
        b"Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"--never-closed\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"@@@@ this is not base64 \xe3\x81\x82\r\n"
        b"--never-closed\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=bogus''%ZZ%E3\r\n\r\n"
        b"\x00\x01\x02"
    )
    return Sample("malformed", raw, "", when)


def alice_inbox() -> list[Sample]:
    """Oldest first (ascending UIDs). Dates are JST, as Japanese mailers send them."""
    d = lambda m, day: dt.datetime(2026, m, day, 9, 30, tzinfo=JST)  # noqa: E731
    return [
        plain_ascii(d(1, 5)),
        alternative_utf8(d(3, 10)),
        iso2022jp(d(4, 1)),
        shift_jis(d(5, 1)),
        with_attachments(d(6, 1)),
        large_attachment(d(7, 1), 3_000_000, "big"),
        large_attachment(d(7, 2), 4_500_000, "huge"),
        malformed(d(8, 1)),
    ]


def numbered(count: int, start: dt.datetime) -> list[tuple[bytes, str, dt.datetime]]:
    """``count`` small messages, one a day, every third one unseen."""
    out = []
    for i in range(count):
        when = start + dt.timedelta(days=i)
        raw = _head(f"Message {i + 1}", when, "Content-Type: text/plain; charset=UTF-8\r\n")
        raw += f"\r\nBody of message {i + 1}.\r\n"
        out.append((raw.encode(), "" if i % 3 == 0 else "\\Seen", when))
    return out
