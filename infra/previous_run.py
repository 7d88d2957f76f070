"""What this stack exported on its last update, read back through a StackReference to itself.

Used where the program must compare with the deployed state rather than only declare the
new one: the schema guard (custom attributes) and the API's retired routes.
"""

from __future__ import annotations

from typing import Any

import pulumi

from infra.naming import qualified_stack_name


def previous_stack_outputs() -> pulumi.Output[dict[str, Any]]:
    """The outputs of this stack's last update; empty on the first."""
    # The logical name predates the API's use of it; renaming would only churn the state.
    previous = pulumi.StackReference(
        f"schema-guard-{pulumi.get_stack()}", stack_name=qualified_stack_name()
    )
    return previous.outputs
