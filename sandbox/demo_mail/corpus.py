"""A few messages for the sandbox's demo mailbox: plain text, Japanese, and one attachment."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

JST = dt.timezone(dt.timedelta(hours=9))

# A minimal, valid one-page PDF, so the attachment route has a real file to return.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _message(subject: str, sender: str, when: dt.datetime, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "Demo <demo@example.jp>"
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain="example.jp")
    message.set_content(text)
    return message


def demo_messages(now: dt.datetime | None = None) -> list[tuple[bytes, str, dt.datetime]]:
    """(raw, flags, internal date) oldest first, as ``Dovecot.seed`` takes them."""
    now = (now or dt.datetime.now(JST)).astimezone(JST).replace(microsecond=0)
    welcome = _message(
        "Welcome to FM Mail", "FM Mail <hello@example.jp>", now - dt.timedelta(days=2),
        "This is the sandbox's demo mailbox. List it with POST /v1/mail/messages.\n",
    )
    japanese = _message(
        "会議の議事録について", "佐藤 花子 <sato@example.jp>", now - dt.timedelta(days=1),
        "お世話になっております。\n本日の議事録をお送りします。\n",
    )
    invoice = _message(
        "Invoice for November", "Billing <billing@example.jp>", now - dt.timedelta(hours=2),
        "Please find the invoice attached.\n",
    )
    invoice.add_attachment(_PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    return [
        (welcome.as_bytes(), "\\Seen", now - dt.timedelta(days=2)),
        (japanese.as_bytes(), "", now - dt.timedelta(days=1)),
        (invoice.as_bytes(), "", now - dt.timedelta(hours=2)),
    ]
