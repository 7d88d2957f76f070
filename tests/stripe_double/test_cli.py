"""`python -m sandbox.stripe_double` starts a server, prints its URL, persists to a file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parents[2]


def _start(state_file: Path) -> tuple[subprocess.Popen[str], str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.stripe_double", "--port", "0", "--seed-fm-mail",
         "--state-file", str(state_file), "--api-key", "sk_test_cli_key_0001"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:  # blocks until the server prints its URL (or exits)
        lines.append(line)
        if match := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line):
            return proc, match.group(1), lines
    proc.wait(timeout=5)
    raise AssertionError(f"no URL printed: {lines} {proc.stderr.read() if proc.stderr else ''}")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    assert proc.wait(timeout=10) == 0


def test_cli_serves_the_sdk_and_keeps_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "stripe.json"
    proc, url, _ = _start(state)
    try:
        client = stripe.StripeClient("sk_test_cli_key_0001", base_addresses={"api": url},
                                     max_network_retries=0)
        cus = client.v1.customers.create(params={"email": "cli@example.com"})
        assert client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]}).data
    finally:
        _stop(proc)
    proc, url, _ = _start(state)
    try:
        client = stripe.StripeClient("sk_test_cli_key_0001", base_addresses={"api": url},
                                     max_network_retries=0)
        assert client.v1.customers.retrieve(cus.id).email == "cli@example.com"
        assert len(client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]}).data) == 1
    finally:
        _stop(proc)


def test_cli_killed_without_warning_keeps_every_answered_change(tmp_path: Path) -> None:
    state = tmp_path / "stripe.json"
    proc, url, _ = _start(state)
    try:
        client = stripe.StripeClient("sk_test_cli_key_0001", base_addresses={"api": url},
                                     max_network_retries=0)
        cus = client.v1.customers.create(params={"email": "killed@example.com"})
    finally:
        proc.kill()  # SIGKILL: no clean stop, the journal is not folded
        proc.wait(timeout=10)
    assert state.with_name("stripe.json.journal").stat().st_size > 0
    proc, url, _ = _start(state)
    try:
        client = stripe.StripeClient("sk_test_cli_key_0001", base_addresses={"api": url},
                                     max_network_retries=0)
        assert client.v1.customers.retrieve(cus.id).email == "killed@example.com"
    finally:
        _stop(proc)
