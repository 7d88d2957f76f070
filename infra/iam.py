"""Least-privilege IAM statements, one builder per capability a function may be granted."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi

Statement = dict[str, object]


def assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (``lambda.amazonaws.com``...) assume the role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


LAMBDA_ASSUME_ROLE_POLICY = assume_role_policy("lambda.amazonaws.com")

# X-Ray offers no resource-level permissions for these two actions (Service Authorization
# Reference, "Actions defined by AWS X-Ray"): "*" is the only resource they accept.
XRAY_WRITE: Statement = {
    "Sid": "XRayTraces",
    "Effect": "Allow",
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Resource": "*",
}


def allow(sid: str, actions: Sequence[str], resources: Sequence[str]) -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}


def policy_document(statements: pulumi.Input[list[Statement]]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(statements).apply(
        lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": resolved}, indent=1)
    )
