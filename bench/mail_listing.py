"""Benchmark: list a 1,000-message mailbox through the product Lambda handler.

Starts a throwaway Dovecot on 127.0.0.1 (needs ``dovecot-imapd``), seeds 1,000
real-world-shaped messages (Japanese charsets, multipart/alternative, attachments), then
pages through them with ``POST /v1/mail/messages`` (limit 100) and prints messages/second.

    .venv/bin/python bench/mail_listing.py [--count 1000] [--limit 100] [--security tls]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "handlers"),
    str(ROOT / "products" / "fm_mail"),
    str(ROOT / "tests" / "products" / "fm_mail"),
]

import fm_corpus  # noqa: E402
from fm_dovecot import Dovecot  # noqa: E402
from fm_events import FakeContext, rest_event  # noqa: E402


def _messages(count: int) -> list[tuple[bytes, str, dt.datetime]]:
    start = dt.datetime(2024, 1, 1, tzinfo=fm_corpus.JST)
    makers = [
        fm_corpus.plain_ascii,
        fm_corpus.alternative_utf8,
        fm_corpus.iso2022jp,
        fm_corpus.shift_jis,
        fm_corpus.with_attachments,
    ]
    out = []
    for i in range(count):
        when = start + dt.timedelta(hours=i)
        sample = makers[i % len(makers)](when)
        out.append((sample.raw, sample.flags, when))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--security", choices=["tls", "starttls"], default="tls")
    args = parser.parse_args()

    dovecot = Dovecot({"bench": "bench-pw"}).start()
    try:
        seed_started = time.perf_counter()
        messages = _messages(args.count)
        dovecot.seed("bench", "INBOX", messages)
        seed_s = time.perf_counter() - seed_started
        mail_bytes = sum(len(raw) for raw, _, _ in messages)

        os.environ["ALLOW_LOOPBACK_IMAP"] = "true"
        os.environ["IMAP_CA_BUNDLE"] = dovecot.ca_file
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        from fm_mail import handler as product

        port = dovecot.tls_port if args.security == "tls" else dovecot.starttls_port
        imap = {
            "host": "127.0.0.1",
            "port": port,
            "security": args.security,
            "username": "bench",
            "password": "bench-pw",
        }
        listed, pages, response_bytes = 0, 0, 0
        cursor = None
        started = time.perf_counter()
        while True:
            body = {"imap": imap, "limit": args.limit, **({"cursor": cursor} if cursor else {})}
            response = product.lambda_handler(rest_event("/v1/mail/messages", body), FakeContext())
            if response["statusCode"] != 200:
                raise SystemExit(f"listing failed: {response['body']}")
            page = json.loads(response["body"])
            listed += len(page["messages"])
            pages += 1
            response_bytes += len(response["body"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        elapsed = time.perf_counter() - started
    finally:
        dovecot.stop()

    print(f"seeded {args.count} messages ({mail_bytes / 1e6:.1f} MB) in {seed_s:.1f} s")
    print(
        f"listed {listed} messages in {pages} pages of {args.limit} over {args.security}: "
        f"{elapsed:.2f} s, {listed / elapsed:.0f} messages/s, "
        f"average page {response_bytes / pages / 1e6:.2f} MB JSON"
    )


if __name__ == "__main__":
    main()
