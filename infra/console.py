"""The web console's hosting: a private S3 bucket served only through CloudFront.

The bucket blocks every form of public access and is read by this distribution alone
(origin access control, SigV4 on every request, a bucket policy naming the distribution's
ARN). Viewers get HTTPS only, the security headers and folder routes of
:mod:`infra.console_edge`, compressed responses, and a styled 404 for unknown paths. The
files themselves are uploaded by :mod:`infra.console_content`.

Nothing here depends on Cognito or the API: they take the console's URL (Cognito's
callbacks, the API's CORS origin, Checkout's return URLs) from this distribution.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import console_edge
from infra.config import ConsoleDomain
from infra.naming import physical_name

ORIGIN_ID = "console-bucket"
# With a custom domain; CloudFront's own *.cloudfront.net certificate has a fixed policy.
MINIMUM_TLS = "TLSv1.2_2021"


@dataclass(frozen=True)
class WebConsoleArgs:
    # Origins the console calls besides itself (the CSP's connect-src): the API, Cognito,
    # the hosted UI (console_edge.aws_connect_sources).
    connect_sources: pulumi.Input[Sequence[str]]
    domain: ConsoleDomain | None = None  # aliases + ACM certificate; else *.cloudfront.net


class WebConsole(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    distribution: aws.cloudfront.Distribution
    url: pulumi.Output[str]  # https://<consoleDomain> or https://<id>.cloudfront.net

    def __init__(
        self, name: str, args: WebConsoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("api-sales:console:WebConsole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Every object is uploaded by the program and can be uploaded again: destroying the
        # stack may empty the bucket.
        self.bucket = aws.s3.Bucket(f"{name}-site", force_destroy=True, opts=child)
        access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-site",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(parent=self.bucket),
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-site",
            bucket=self.bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs off: the policy decides
            opts=pulumi.ResourceOptions(parent=self.bucket),
        )
        # SSE-S3, not KMS: CloudFront's origin access control reads SSE-S3 objects without
        # a key policy naming it.
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-site",
            bucket=self.bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=pulumi.ResourceOptions(parent=self.bucket),
        )

        access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=physical_name("console")[:64],
            description="api-sales console: CloudFront signs every request to the bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        rewrite = aws.cloudfront.Function(
            f"{name}-routes",
            name=physical_name("console-routes")[:64],
            comment="api-sales console: folder routes to their index.html",
            runtime=console_edge.REWRITE_FUNCTION_RUNTIME,
            code=console_edge.rewrite_function_code(),
            publish=True,
            opts=child,
        )
        headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            name=physical_name("console-headers")[:128],
            comment="api-sales console: security headers",
            security_headers_config=_security_headers_config(args.connect_sources),
            opts=child,
        )
        cache = aws.cloudfront.CachePolicy(
            f"{name}-cache",
            name=physical_name("console-cache")[:128],
            comment="api-sales console: each object's Cache-Control decides (console_edge)",
            min_ttl=0,  # so that `no-cache` (HTML, config.json) is never held at the edge
            default_ttl=300,
            max_ttl=86_400,
            parameters_in_cache_key_and_forwarded_to_origin={
                "cookies_config": {"cookie_behavior": "none"},
                "headers_config": {"header_behavior": "none"},
                # ?session_id= and ?code= are read by the page's script, not by S3
                "query_strings_config": {"query_string_behavior": "none"},
                "enable_accept_encoding_gzip": True,
                "enable_accept_encoding_brotli": True,
            },
            opts=child,
        )

        domain = args.domain
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment=f"api-sales console ({physical_name()})",
            aliases=[domain.name] if domain else None,
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            origins=[{
                "origin_id": ORIGIN_ID,
                "domain_name": self.bucket.bucket_regional_domain_name,
                "origin_access_control_id": access_control.id,
            }],
            default_cache_behavior={
                "target_origin_id": ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD"],
                "cached_methods": ["GET", "HEAD"],
                "compress": True,
                "cache_policy_id": cache.id,
                "response_headers_policy_id": headers.id,
                "function_associations": [
                    {"event_type": "viewer-request", "function_arn": rewrite.arn}
                ],
            },
            custom_error_responses=[
                {
                    "error_code": status,
                    "response_code": 404,
                    "response_page_path": console_edge.NOT_FOUND_PAGE,
                    "error_caching_min_ttl": console_edge.NOT_FOUND_CACHE_SECONDS,
                }
                for status in console_edge.NOT_FOUND_ORIGIN_STATUSES
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=(
                {
                    "acm_certificate_arn": domain.certificate_arn,
                    "ssl_support_method": "sni-only",
                    "minimum_protocol_version": MINIMUM_TLS,
                }
                if domain
                else {"cloudfront_default_certificate": True}
            ),
            opts=child,
        )  # fmt: skip

        aws.s3.BucketPolicy(
            f"{name}-site",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, self.distribution.arn).apply(
                lambda arns: bucket_policy(arns[0], arns[1])
            ),
            # A policy put while the public-access block is being set up can be refused.
            opts=pulumi.ResourceOptions(parent=self.bucket, depends_on=[access_block]),
        )

        self.url = (
            pulumi.Output.from_input(f"https://{domain.name}")
            if domain
            else pulumi.Output.concat("https://", self.distribution.domain_name)
        )
        self.register_outputs(
            {"url": self.url, "bucket": self.bucket.bucket, "distribution": self.distribution.id}
        )


def bucket_policy(bucket_arn: str, distribution_arn: str) -> str:
    """Only CloudFront, and only on behalf of this distribution, may read the objects."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ConsoleDistributionReads",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }],
    })  # fmt: skip


def _security_headers_config(
    connect_sources: pulumi.Input[Sequence[str]],
) -> pulumi.Output[aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgsDict]:
    def render(
        sources: Sequence[str],
    ) -> aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgsDict:
        return {
            "strict_transport_security": {
                "access_control_max_age_sec": console_edge.HSTS_MAX_AGE_SECONDS,
                "include_subdomains": False,
                "preload": False,
                "override": True,
            },
            "content_type_options": {"override": True},
            "frame_options": {"frame_option": console_edge.FRAME_OPTIONS, "override": True},
            "referrer_policy": {
                "referrer_policy": console_edge.REFERRER_POLICY, "override": True,
            },
            "content_security_policy": {
                "content_security_policy": console_edge.content_security_policy(sources),
                "override": True,
            },
        }  # fmt: skip

    return pulumi.Output.from_input(connect_sources).apply(render)
