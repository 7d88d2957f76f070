"""Benchmark: list a 1,000-message mailbox through FM Mail's Lambda handler, and the same
mailbox with plain ``imaplib``, in the same run.

Starts a throwaway Dovecot on 127.0.0.1 (needs ``dovecot-imapd``), seeds 1,000
real-world-shaped messages (Japanese charsets, multipart/alternative, attachments), then,
alternating, ``--rounds`` times each:

- **plug-in**: pages through them with ``POST /v1/mail/messages`` (``--limit`` per page)
  through the handler, as API Gateway would call it: per page a new IMAP session (the API is
  stateless), the address guard, SEARCH, FETCH, MIME decoding and the JSON page;
- **baseline**: plain ``imaplib`` doing the IMAP part of the same pages and nothing else: per
  page a new verified TLS session, LOGIN, read-only SELECT, ``UID SEARCH`` below the last
  UID, and one ``UID FETCH`` of the same fields (``RFC822.SIZE FLAGS INTERNALDATE
  BODY.PEEK[]``), bodies left undecoded.

Prints messages/second of each (median round) and the ratio plug-in/baseline next to its
target (0.8). Exit code 0 only when the target is met.

``--rtt-ms`` puts a proxy that delays each chunk by half that much each way between both
clients and Dovecot (``bench/delay_proxy.py``): loopback has no round-trip time, a
function reaching a mail provider pays one per IMAP command. ``--mbps`` makes the same
proxy hold each direction to that bandwidth: loopback moves a page of mail at once, a
real link over some milliseconds, which the plug-in spends describing the mail that has
already arrived.

    .venv/bin/python bench/mail_listing.py [--count 1000] [--limit 100] [--security tls]
                                           [--rounds 3] [--rtt-ms 0] [--mbps 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import imaplib
import json
import os
import re
import ssl
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(ROOT / "handlers"),
    str(ROOT / "products" / "fm_mail"),
    str(ROOT / "tests" / "products" / "fm_mail"),
]

import fm_corpus  # noqa: E402
from delay_proxy import DelayProxy  # noqa: E402
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


TARGET_RATIO = 0.8
_UID = re.compile(rb"UID (\d+)")


def list_with_plugin(imap: dict, limit: int) -> tuple[int, int, int]:
    """Messages listed, pages, response bytes: through the product's Lambda handler."""
    from fm_mail import handler

    listed, pages, response_bytes = 0, 0, 0
    cursor = None
    while True:
        body = {"imap": imap, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = handler.lambda_handler(rest_event("/v1/mail/messages", body), FakeContext())
        if response["statusCode"] != 200:
            raise SystemExit(f"listing failed: {response['body']}")
        page = json.loads(response["body"])
        listed += len(page["messages"])
        pages += 1
        response_bytes += len(response["body"])
        cursor = page["next_cursor"]
        if not cursor:
            return listed, pages, response_bytes


def list_with_imaplib(imap: dict, limit: int, ca_file: str) -> tuple[int, int, int]:
    """Messages listed, pages, bytes fetched: plain imaplib, one FETCH per page."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    listed, pages, fetched = 0, 0, 0
    below: int | None = None
    while below is None or below > 1:
        if imap["security"] == "tls":
            client = imaplib.IMAP4_SSL(imap["host"], imap["port"], ssl_context=context)
        else:
            client = imaplib.IMAP4(imap["host"], imap["port"])
            client.starttls(ssl_context=context)
        try:
            client.login(imap["username"], imap["password"])
            client.select("INBOX", readonly=True)
            criteria = "ALL" if below is None else f"UID 1:{below - 1}"
            _, found = client.uid("SEARCH", criteria)
            uids = sorted((int(u) for u in found[0].split()), reverse=True)[:limit]
            if not uids:
                break
            _, data = client.uid(
                "FETCH", ",".join(map(str, uids)),
                "(RFC822.SIZE FLAGS INTERNALDATE BODY.PEEK[])",
            )  # fmt: skip
        finally:
            client.logout()
        messages = [part for part in data if isinstance(part, tuple)]
        listed += len(messages)
        fetched += sum(len(part[1]) for part in messages)
        pages += 1
        below = min(int(m.group(1)) for part in messages if (m := _UID.search(part[0])))
    return listed, pages, fetched


def _timed(run: Callable[[], tuple[int, int, int]]) -> tuple[float, tuple[int, int, int]]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--security", choices=["tls", "starttls"], default="tls")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rtt-ms", type=float, default=0.0)
    parser.add_argument("--mbps", type=float, default=0.0)
    args = parser.parse_args()

    dovecot = Dovecot({"bench": "bench-pw"}).start()
    stack = ExitStack()
    try:
        seed_started = time.perf_counter()
        messages = _messages(args.count)
        dovecot.seed("bench", "INBOX", messages)
        seed_s = time.perf_counter() - seed_started
        mail_bytes = sum(len(raw) for raw, _, _ in messages)

        os.environ["ALLOW_LOOPBACK_IMAP"] = "true"
        os.environ["IMAP_CA_BUNDLE"] = dovecot.ca_file
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
        port = dovecot.tls_port if args.security == "tls" else dovecot.starttls_port
        if args.rtt_ms > 0 or args.mbps > 0:
            proxy = stack.enter_context(
                DelayProxy(("127.0.0.1", port), args.rtt_ms / 1000, args.mbps or None)
            )
            port = proxy.port
        imap = {
            "host": "127.0.0.1",
            "port": port,
            "security": args.security,
            "username": "bench",
            "password": "bench-pw",
        }
        # Warm both paths once (imports, Dovecot's caches), then alternate.
        list_with_plugin(imap, args.limit)
        list_with_imaplib(imap, args.limit, dovecot.ca_file)
        plugin_runs, baseline_runs = [], []
        for _ in range(args.rounds):
            plugin_runs.append(_timed(lambda: list_with_plugin(imap, args.limit)))
            baseline_runs.append(
                _timed(lambda: list_with_imaplib(imap, args.limit, dovecot.ca_file))
            )
    finally:
        stack.close()
        dovecot.stop()

    plugin_s = statistics.median(t for t, _ in plugin_runs)
    baseline_s = statistics.median(t for t, _ in baseline_runs)
    listed, pages, response_bytes = plugin_runs[0][1]
    base_listed, base_pages, fetched = baseline_runs[0][1]
    if base_listed != listed:
        raise SystemExit(f"the baseline listed {base_listed} messages, the plug-in {listed}")
    plugin_rate, baseline_rate = listed / plugin_s, base_listed / baseline_s
    ratio = plugin_rate / baseline_rate
    print(f"seeded {args.count} messages ({mail_bytes / 1e6:.1f} MB) in {seed_s:.1f} s")
    network = "loopback"
    if args.rtt_ms or args.mbps:
        link = f", {args.mbps:g} Mbit/s each way" if args.mbps else ""
        network = f"{args.rtt_ms:g} ms round trips{link} (delay proxy)"
    print(f"network: {network}")
    print(
        f"plug-in:  listed {listed} messages in {pages} pages of {args.limit} over "
        f"{args.security}: {plugin_s:.2f} s, {plugin_rate:.0f} messages/s, "
        f"average page {response_bytes / pages / 1e6:.2f} MB JSON (median of {args.rounds})"
    )
    print(
        f"baseline: imaplib, {base_listed} messages in {base_pages} pages, one FETCH each: "
        f"{baseline_s:.2f} s, {baseline_rate:.0f} messages/s, "
        f"{fetched / 1e6:.1f} MB fetched (median of {args.rounds})"
    )
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"ratio plug-in/baseline: {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})")
    raise SystemExit(0 if ratio >= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
