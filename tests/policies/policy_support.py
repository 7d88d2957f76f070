"""Run one policy against one resource the way the engine would, and collect its messages."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "resource",
    protect: bool = False,
) -> ResourceValidationArgs:
    # The engine wraps inputs in its unknown-checking proxy (Sequence/Mapping, not list/dict);
    # wrapping here keeps the rules honest about that.
    opts = PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )
    return ResourceValidationArgs(
        resource_type=resource_type,
        props=unknown_checking_proxy(copy.deepcopy(dict(props))),
        urn=f"urn:pulumi:test::api-sales::{resource_type}::{name}",
        name=name,
        opts=opts,
        provider=None,
    )


def violations(
    policy: ResourceValidationPolicy,
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "resource",
    protect: bool = False,
) -> list[str]:
    """The messages ``policy`` reports for the resource; [] when it complies."""
    messages: list[str] = []

    def report_violation(message: str, urn: str | None = None) -> None:
        messages.append(message)

    result = policy.validate(resource_args(resource_type, props, name, protect), report_violation)
    assert result is None, "the rules are synchronous; an awaitable would go unchecked"
    return messages
