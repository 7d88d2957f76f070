"""One sandbox per module (ministack + deployed stack, Stripe double, demo mailbox, web
console), on free ports in a temp work dir, stopped at the end of the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.run import Sandbox, SandboxOptions

FREE_QUOTA = 3  # calls a month on FREE: the 4th answers 429
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "console"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    options = SandboxOptions(
        workdir=tmp_path_factory.mktemp("e2e-sandbox"), port_web=0, port_ministack=0,
        port_stripe=0, mode="fresh", free_quota=FREE_QUOTA, persist=False,
    )  # fmt: skip
    with Sandbox(options, log=lambda line: None) as running:
        yield running
