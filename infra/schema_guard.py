"""Refuses a config change that would remove or change a deployed Cognito custom attribute.

Cognito cannot remove a custom attribute or change one after it is created (name, type,
mutability, constraints). Depending on the provider version, such a change of ``schemas``
either fails half-way through an update ("cannot modify or remove schema items") or is
planned as a replacement of the user pool: a new, empty pool, every user and password lost
(the seed's author lost an attribute this way). The stack exports the whole attribute
specs it deployed; the next run reads them back (infra/previous_run.py), compares spec by
spec, and fails *before the user pool is registered*: the pool's ``schemas`` input is the
Output returned here, so a refused change never reaches the engine as a planned change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

DEPLOYED_ATTRIBUTES_OUTPUT = "userPoolCustomAttributes"

AttributeSpec = aws.cognito.UserPoolSchemaArgsDict  # one entry of the pool's `schemas`


class UserPoolSchemaChangeError(Exception):
    pass


def string_attribute_spec(name: str) -> AttributeSpec:
    """The spec of every api-sales custom attribute: an optional, mutable string.

    mutable: the backend changes the plan; developer_only False keeps the attribute readable
    by the app client (writes are blocked by the client's write_attributes).
    """
    return {
        "name": name,
        "attribute_data_type": "String",
        "mutable": True,
        "developer_only_attribute": False,
        "required": False,
        "string_attribute_constraints": {"min_length": "0", "max_length": "256"},
    }


def check_attributes_kept(
    deployed: Iterable[Mapping[str, Any] | str] | None, desired: Sequence[AttributeSpec]
) -> None:
    """Raise if a deployed attribute is missing from ``desired`` or specified differently.

    A deployed entry that is a bare name (what earlier versions exported) is checked by name.
    """
    by_name = {spec["name"]: spec for spec in desired}
    missing: list[str] = []
    changed: list[str] = []
    for entry in deployed or ():
        name = entry if isinstance(entry, str) else entry.get("name")
        if name not in by_name:
            missing.append(str(name))
        elif isinstance(entry, Mapping):
            changed += _differences(entry, by_name[name])
    if missing or changed:
        problems = []
        if missing:
            problems.append(f"no longer declares {', '.join(sorted(missing))}")
        if changed:
            problems.append(f"changes {'; '.join(sorted(changed))}")
        raise UserPoolSchemaChangeError(
            "api-sales: the user pool's custom attributes are deployed, and this config "
            f"{' and '.join(problems)}. Cognito cannot remove or change a custom attribute; "
            "applying this would replace the user pool and delete every user. Keep the "
            "attribute as it is in `api-sales:extraUserAttributes` (add a new attribute "
            "instead of renaming or retyping one)."
        )


def guard_user_pool_schema(
    desired: Sequence[AttributeSpec], previous_outputs: pulumi.Output[dict[str, Any]]
) -> pulumi.Output[list[AttributeSpec]]:
    """``desired``, once checked against what this stack deployed last time.

    The returned Output fails (and so does the registration of whatever takes it as an input)
    when an attribute would be lost or changed.
    """

    def check(outputs: dict[str, Any] | None) -> list[AttributeSpec]:
        check_attributes_kept((outputs or {}).get(DEPLOYED_ATTRIBUTES_OUTPUT), desired)
        return [spec.copy() for spec in desired]

    return previous_outputs.apply(check)


def _differences(deployed: Mapping[str, Any], desired: AttributeSpec) -> list[str]:
    """``name.field: deployed -> desired`` for each field that differs."""
    before, after = _canonical(deployed), _canonical(desired)
    return [
        f"{desired['name']}.{key}: {json.dumps(before.get(key))} -> {json.dumps(after.get(key))}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def _canonical(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Spec as compared: values as strings (the engine may hand back "256" or 256)."""

    def normalise(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: normalise(v) for k, v in value.items() if v is not None}
        return str(value).lower() if isinstance(value, bool) else str(value)

    canonical: dict[str, Any] = normalise(spec)
    return canonical
