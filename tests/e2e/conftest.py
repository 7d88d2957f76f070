"""One sandbox per module (ministack + deployed stack, Stripe double, demo mailbox, web
console), on free ports in a temp work dir, stopped at the end of the module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.run import Sandbox, SandboxOptions

from .browser import ARGS, CHROMIUM, SCREENSHOTS, WAIT_MS, require_chromium

FREE_QUOTA = 3  # calls a month on FREE: the 4th answers 429
SHOTS = SCREENSHOTS / "console"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    options = SandboxOptions(
        workdir=tmp_path_factory.mktemp("e2e-sandbox"), port_web=0, port_ministack=0,
        port_stripe=0, mode="fresh", free_quota=FREE_QUOTA, persist=False,
    )  # fmt: skip
    with Sandbox(options, log=lambda line: None) as running:
        yield running


@pytest.fixture
def expect():
    """Playwright's expect with the sandbox's patience, reset for later tests."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    yield expect
    expect.set_options(timeout=None)  # the process-wide default


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module (Debian's, driven by Playwright)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()
