from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters

from apisales import container
from tests.handlers.aws_env import AwsStack, create_stack, ministack
from tests.handlers.fake_stripe import FakeStripe


@pytest.fixture(scope="session")
def ministack_url() -> Iterator[str]:
    with ministack() as url:
        yield url


@pytest.fixture
def aws(ministack_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsStack]:
    stack = create_stack(ministack_url)
    for name, value in stack.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    container.reset()
    parameters.clear_caches()
    yield stack
    container.reset()
    parameters.clear_caches()


@pytest.fixture
def fake_stripe(aws: AwsStack) -> FakeStripe:
    fake = FakeStripe()
    container.override(stripe=fake)
    return fake
