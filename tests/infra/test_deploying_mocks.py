"""The sandbox's deploying mocks can create every resource type the program registers.

Checked on the program run under the recording mocks (no ministack needed), with the dev
stack's config and with each optional feature that adds types of its own, so a new
resource type in the program fails here, in seconds, rather than in a sandbox deploy.
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.deploy.mocks import CREATORS, SKIPPED_TYPES
from tests.infra.harness import run_program

COMPONENT_PREFIX = "api-sales:"
# Each optional feature of the config, on its own (docs/architecture.md, docs/operations.md).
FEATURES: dict[str, dict[str, Any]] = {
    "dev": {},
    "upstream": {"upstreamUrl": "https://api.seller.example"},
    "account-role": {"manageApiGatewayAccount": "true"},
    "alarm-mail": {"alarmEmails": ["ops@seller.example"]},
    "quota-mail": {"quotaMail": {
        "from": "q@seller.example",
        "sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example",
    }},
}


@pytest.fixture(scope="module")
def registered_types() -> dict[str, set[str]]:
    """Feature -> the resource types (not components) the program registers with it."""
    return {
        feature: {r.type for r in run_program(config) if not r.type.startswith(COMPONENT_PREFIX)}
        for feature, config in FEATURES.items()
    }


def test_every_registered_type_has_a_creator_or_a_skip_reason(registered_types):
    for feature, types in registered_types.items():
        missing = types - set(CREATORS) - set(SKIPPED_TYPES)
        assert not missing, f"{feature}: add a creator (or a skip reason) in sandbox/deploy"


def test_the_features_add_the_types_they_are_there_for(registered_types):
    dev = registered_types["dev"]
    assert "random:index/randomPassword:RandomPassword" in registered_types["upstream"] - dev
    assert "aws:apigateway/account:Account" in registered_types["account-role"] - dev
    assert "aws:sns/topicSubscription:TopicSubscription" in registered_types["alarm-mail"] - dev


def test_a_type_without_a_creator_is_caught(registered_types, monkeypatch):
    monkeypatch.delitem(CREATORS, "aws:dynamodb/table:Table")
    missing = registered_types["dev"] - set(CREATORS) - set(SKIPPED_TYPES)
    assert missing == {"aws:dynamodb/table:Table"}
