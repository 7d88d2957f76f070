"""Names derived from the project and stack, so every physical name follows one scheme."""

from __future__ import annotations

import pulumi


def physical_name(*parts: str) -> str:
    """``<project>-<stack>[-part...]``: unique per stack within an account and region."""
    return "-".join([pulumi.get_project(), pulumi.get_stack(), *parts])


def qualified_stack_name() -> str:
    """``<organization>/<project>/<stack>``, as StackReference and the backends name it."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
