"""Entry point the Pulumi CLI runs for ``--policy-pack policies``.

Constructing PolicyPack starts the analyzer's gRPC server and blocks until the engine stops
it, so this is the only place that does so; the rules live in rules.py and are tested
without it.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rules import ALL_POLICIES

PolicyPack(
    "api-sales-policies",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=ALL_POLICIES,
)
