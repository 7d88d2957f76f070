"""s3-bucket-not-public: the console's bucket stays private; a public one is refused."""

from __future__ import annotations

import json

import pytest

from policies.rules import (
    S3_BUCKET,
    S3_BUCKET_NOT_PUBLIC,
    S3_BUCKET_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
)
from tests.policies.policy_support import violations

harness = pytest.importorskip("tests.infra.harness", reason="harness not yet landed")

ALL_BLOCKED = {"bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": True,
               "ignorePublicAcls": True, "restrictPublicBuckets": True}  # fmt: skip
CLOUDFRONT_ONLY = {
    "Effect": "Allow",
    "Principal": {"Service": "cloudfront.amazonaws.com"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
    "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::1:distribution/E1"}},
}


def _policy(*statements: dict) -> dict:
    return {"bucket": "b", "policy": json.dumps({"Version": "2012-10-17",
                                                 "Statement": list(statements)})}  # fmt: skip


def test_the_programs_console_bucket_passes():
    run = harness.run_program()
    checked = [r for r in run if r.type in (S3_BUCKET, S3_PUBLIC_ACCESS_BLOCK, S3_BUCKET_POLICY)]
    assert len(checked) == 3
    for resource in checked:
        assert violations(S3_BUCKET_NOT_PUBLIC, resource.type, resource.inputs) == []


@pytest.mark.parametrize("setting", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                     "restrictPublicBuckets"])  # fmt: skip
def test_a_public_access_setting_left_off_is_refused(setting):
    props = {**ALL_BLOCKED, setting: False}
    [message] = violations(S3_BUCKET_NOT_PUBLIC, S3_PUBLIC_ACCESS_BLOCK, props)
    assert setting in message


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::1:root", "*"]}])
def test_a_policy_allowing_everyone_is_refused(principal):
    public = {**CLOUDFRONT_ONLY, "Principal": principal}
    assert violations(S3_BUCKET_NOT_PUBLIC, S3_BUCKET_POLICY, _policy(CLOUDFRONT_ONLY, public))
    assert violations(S3_BUCKET_NOT_PUBLIC, S3_BUCKET_POLICY, _policy(CLOUDFRONT_ONLY)) == []


def test_a_public_acl_or_website_bucket_is_refused():
    assert violations(S3_BUCKET_NOT_PUBLIC, S3_BUCKET, {"acl": "public-read"})
    assert violations(S3_BUCKET_NOT_PUBLIC, S3_BUCKET, {"website": {"indexDocument": "i.html"}})
    assert violations(S3_BUCKET_NOT_PUBLIC, S3_BUCKET, {"acl": "private"}) == []
