"""Refuses a config change that would remove or rename a deployed Cognito custom attribute.

Cognito cannot remove a custom attribute; a provider that tried would have to replace the
user pool, and every user and password with it (the seed's author lost an attribute this
way). The stack exports the attribute names it deployed; the next run reads them back
through a StackReference to its own stack and stops with a clear message if one is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pulumi

from infra.naming import qualified_stack_name

DEPLOYED_ATTRIBUTES_OUTPUT = "userPoolCustomAttributes"


class UserPoolSchemaChangeError(Exception):
    pass


def check_attributes_kept(deployed: Iterable[str] | None, desired: Sequence[str]) -> None:
    """Raise if any attribute that is deployed is not in ``desired``."""
    missing = [name for name in (deployed or ()) if name not in desired]
    if missing:
        raise UserPoolSchemaChangeError(
            "api-sales: the user pool already has the custom attribute(s) "
            f"{', '.join(sorted(missing))}, which this config no longer declares. Cognito "
            "cannot remove or rename a custom attribute; applying this would replace the user "
            "pool and delete every user. Keep the attribute in `api-sales:extraUserAttributes` "
            "(add new attributes instead of renaming)."
        )


def guard_user_pool_schema(desired: Sequence[str]) -> pulumi.Output[list[str]]:
    """Compare ``desired`` with what this stack deployed last time; return ``desired``.

    The returned Output fails (and so does the update) when an attribute would be lost.
    """
    previous = pulumi.StackReference(
        f"schema-guard-{pulumi.get_stack()}", stack_name=qualified_stack_name()
    )

    def check(outputs: dict | None) -> list[str]:
        check_attributes_kept((outputs or {}).get(DEPLOYED_ATTRIBUTES_OUTPUT), desired)
        return list(desired)

    return previous.outputs.apply(check)
