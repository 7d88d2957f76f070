"""One ministack and Stripe double per test module, with the real program deployed into
them (the AWS side into ministack, the Stripe side into the double)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.deploy.config import sandbox_config
from sandbox.deploy.deploy import DeployedStack, deploy_stack
from sandbox.deploy.ministack import Ministack, start_ministack
from sandbox.stripe_double import StripeDouble

FREE_QUOTA = 3  # calls a day: small, so that the 4th call answers 429
WEB_BASE_URL = "http://localhost:8765"


@dataclass
class Sandbox:
    ministack: Ministack
    stack: DeployedStack
    workdir: Path
    stripe: StripeDouble

    def client(self, service: str):
        return self.stack.client(service)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    workdir = tmp_path_factory.mktemp("sandbox")
    with StripeDouble(port=0) as double:
        config = sandbox_config(WEB_BASE_URL, stripe_api_base=double.url,
                                stripe_secret_key=double.api_key,
                                free_quota=(FREE_QUOTA, "DAY"))  # fmt: skip
        # enforce_iam: each Lambda runs with its own role and the least-privilege policies.
        with start_ministack(workdir, region=config["aws:region"],
                             enforce_iam=True) as ministack:  # fmt: skip
            stack = deploy_stack(ministack.endpoint_url, config, workdir)
            yield Sandbox(ministack, stack, workdir, double)
