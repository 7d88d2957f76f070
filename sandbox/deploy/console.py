"""The web console's hosting in ministack: the S3 bucket, its settings and objects, and the
CloudFront origin access control, function, policies and distribution.

ministack 1.5.33 serves a distribution's viewer traffic (by ``Host: <id>.cloudfront.net``)
from its own S3, running the viewer-request function in node, applying the response-headers
policy and custom error pages, and checking the bucket policy's ``AWS:SourceArn`` for an
origin with origin access control; so the console the sandbox shows is what this program
deployed, served the way the distribution serves it (docs/sandbox.md).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pulumi

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none, pascal

Created = tuple[str, dict]


def _items(values: list[Any] | None) -> dict[str, Any]:
    """CloudFront's XML lists: ``{"Quantity": n, "Items": [...]}``."""
    values = list(values or [])
    return {"Quantity": len(values), "Items": values} if values else {"Quantity": 0}


# -- S3 -----------------------------------------------------------------------------------


def bucket(ctx: DeployContext, name: str, inputs: dict) -> Created:
    bucket_name = inputs.get("bucket") or ctx.physical_name(name, max_length=63).lower()
    location = (
        {} if ctx.region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": ctx.region}}
    )  # fmt: skip
    client = ctx.client("s3")
    client.create_bucket(Bucket=bucket_name, **location)
    if inputs.get("tags"):
        client.put_bucket_tagging(Bucket=bucket_name, Tagging={
            "TagSet": [{"Key": k, "Value": v} for k, v in inputs["tags"].items()]})  # fmt: skip
    return bucket_name, {
        "bucket": bucket_name,
        "arn": f"arn:aws:s3:::{bucket_name}",
        "bucketDomainName": f"{bucket_name}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket_name}.s3.{ctx.region}.amazonaws.com",
        "region": ctx.region,
    }


def public_access_block(ctx: DeployContext, name: str, inputs: dict) -> Created:
    settings = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                "restrictPublicBuckets")  # fmt: skip
    ctx.client("s3").put_public_access_block(
        Bucket=inputs["bucket"],
        PublicAccessBlockConfiguration={pascal(s): bool(inputs.get(s)) for s in settings},
    )
    return inputs["bucket"], {}


def ownership_controls(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("s3").put_bucket_ownership_controls(
        Bucket=inputs["bucket"],
        OwnershipControls={"Rules": [{"ObjectOwnership": inputs["rule"]["objectOwnership"]}]},
    )
    return inputs["bucket"], {}


def encryption(ctx: DeployContext, name: str, inputs: dict) -> Created:
    rules = [
        {"ApplyServerSideEncryptionByDefault": drop_none(
            SSEAlgorithm=rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
            KMSMasterKeyID=rule["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId"))}
        for rule in inputs["rules"]
    ]  # fmt: skip
    ctx.client("s3").put_bucket_encryption(
        Bucket=inputs["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return inputs["bucket"], {}


def bucket_policy(ctx: DeployContext, name: str, inputs: dict) -> Created:
    policy = inputs["policy"]
    ctx.client("s3").put_bucket_policy(
        Bucket=inputs["bucket"], Policy=policy if isinstance(policy, str) else json.dumps(policy)
    )
    return inputs["bucket"], {}


def bucket_object(ctx: DeployContext, name: str, inputs: dict) -> Created:
    source = inputs.get("source")
    if source is not None:
        body = Path(_asset_path(source)).read_bytes()
    else:
        body = str(inputs.get("content", "")).encode()
    put = ctx.client("s3").put_object(**drop_none(
        Bucket=inputs["bucket"], Key=inputs["key"], Body=body,
        ContentType=inputs.get("contentType"), CacheControl=inputs.get("cacheControl"),
    ))  # fmt: skip
    return inputs["key"], {"etag": put.get("ETag", "").strip('"'),
                           "versionId": put.get("VersionId", "")}  # fmt: skip


def _asset_path(source: Any) -> str:
    if isinstance(source, pulumi.FileAsset):
        return str(source.path)
    if isinstance(source, dict) and "path" in source:
        return str(source["path"])
    raise TypeError(f"expected a FileAsset for the object's source, got {type(source).__name__}")


# -- CloudFront ---------------------------------------------------------------------------


def origin_access_control(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("cloudfront").create_origin_access_control(
        OriginAccessControlConfig=drop_none(
            Name=inputs.get("name") or ctx.physical_name(name),
            Description=inputs.get("description"),
            SigningProtocol=inputs["signingProtocol"],
            SigningBehavior=inputs["signingBehavior"],
            OriginAccessControlOriginType=inputs["originAccessControlOriginType"],
        )
    )
    return created["OriginAccessControl"]["Id"], {"etag": created["ETag"]}


def function(ctx: DeployContext, name: str, inputs: dict) -> Created:
    client = ctx.client("cloudfront")
    function_name = inputs.get("name") or ctx.physical_name(name)
    created = client.create_function(
        Name=function_name,
        FunctionConfig={"Comment": inputs.get("comment") or "", "Runtime": inputs["runtime"]},
        FunctionCode=inputs["code"].encode(),
    )
    etag = created["ETag"]
    summary = created["FunctionSummary"]
    if inputs.get("publish", True):  # the provider's default; only a LIVE function runs
        published = client.publish_function(Name=function_name, IfMatch=etag)
        summary = published["FunctionSummary"]
    arn = summary["FunctionMetadata"]["FunctionARN"]
    return function_name, {"arn": arn, "etag": etag, "liveStageEtag": etag,
                           "status": summary.get("Status", "")}  # fmt: skip


def response_headers_policy(ctx: DeployContext, name: str, inputs: dict) -> Created:
    security = inputs.get("securityHeadersConfig") or {}
    hsts = security.get("strictTransportSecurity")
    frame = security.get("frameOptions")
    referrer = security.get("referrerPolicy")
    csp = security.get("contentSecurityPolicy")
    types = security.get("contentTypeOptions")
    config = drop_none(
        Name=inputs.get("name") or ctx.physical_name(name),
        Comment=inputs.get("comment"),
        SecurityHeadersConfig=drop_none(
            StrictTransportSecurity=drop_none(
                Override=hsts["override"],
                AccessControlMaxAgeSec=as_int(hsts["accessControlMaxAgeSec"]),
                IncludeSubdomains=hsts.get("includeSubdomains"), Preload=hsts.get("preload"),
            ) if hsts else None,
            ContentTypeOptions={"Override": types["override"]} if types else None,
            FrameOptions={"Override": frame["override"], "FrameOption": frame["frameOption"]}
            if frame else None,
            ReferrerPolicy={"Override": referrer["override"],
                            "ReferrerPolicy": referrer["referrerPolicy"]} if referrer else None,
            ContentSecurityPolicy={"Override": csp["override"],
                                   "ContentSecurityPolicy": csp["contentSecurityPolicy"]}
            if csp else None,
        ),
    )  # fmt: skip
    created = ctx.client("cloudfront").create_response_headers_policy(
        ResponseHeadersPolicyConfig=config
    )
    return created["ResponseHeadersPolicy"]["Id"], {"etag": created["ETag"]}


def cache_policy(ctx: DeployContext, name: str, inputs: dict) -> Created:
    params = inputs["parametersInCacheKeyAndForwardedToOrigin"]
    config = drop_none(
        Name=inputs.get("name") or ctx.physical_name(name),
        Comment=inputs.get("comment"),
        MinTTL=as_int(inputs.get("minTtl", 0)),
        DefaultTTL=as_int(inputs.get("defaultTtl")),
        MaxTTL=as_int(inputs.get("maxTtl")),
        ParametersInCacheKeyAndForwardedToOrigin={
            "EnableAcceptEncodingGzip": bool(params.get("enableAcceptEncodingGzip")),
            "EnableAcceptEncodingBrotli": bool(params.get("enableAcceptEncodingBrotli")),
            "HeadersConfig": {"HeaderBehavior": params["headersConfig"]["headerBehavior"]},
            "CookiesConfig": {"CookieBehavior": params["cookiesConfig"]["cookieBehavior"]},
            "QueryStringsConfig": {
                "QueryStringBehavior": params["queryStringsConfig"]["queryStringBehavior"]
            },
        },
    )
    created = ctx.client("cloudfront").create_cache_policy(CachePolicyConfig=config)
    return created["CachePolicy"]["Id"], {"etag": created["ETag"]}


def distribution(ctx: DeployContext, name: str, inputs: dict) -> Created:
    behavior = inputs["defaultCacheBehavior"]
    certificate = inputs.get("viewerCertificate") or {}
    config = drop_none(
        CallerReference=str(uuid.uuid4()),
        Comment=inputs.get("comment") or "",
        Enabled=bool(inputs.get("enabled", True)),
        Aliases=_items(inputs.get("aliases")),
        DefaultRootObject=inputs.get("defaultRootObject"),
        HttpVersion=inputs.get("httpVersion"),
        IsIPV6Enabled=inputs.get("isIpv6Enabled"),
        PriceClass=inputs.get("priceClass"),
        Origins=_items([_origin(o) for o in inputs["origins"]]),
        DefaultCacheBehavior=drop_none(
            TargetOriginId=behavior["targetOriginId"],
            ViewerProtocolPolicy=behavior["viewerProtocolPolicy"],
            Compress=behavior.get("compress"),
            CachePolicyId=behavior.get("cachePolicyId"),
            ResponseHeadersPolicyId=behavior.get("responseHeadersPolicyId"),
            AllowedMethods={**_items(behavior.get("allowedMethods")),
                            "CachedMethods": _items(behavior.get("cachedMethods"))},
            FunctionAssociations=_items([
                {"EventType": f["eventType"], "FunctionARN": f["functionArn"]}
                for f in behavior.get("functionAssociations") or []
            ]),
        ),
        CustomErrorResponses=_items(
            [_error_response(r) for r in inputs.get("customErrorResponses") or []]
        ),
        ViewerCertificate=drop_none(
            CloudFrontDefaultCertificate=certificate.get("cloudfrontDefaultCertificate"),
            ACMCertificateArn=certificate.get("acmCertificateArn"),
            SSLSupportMethod=certificate.get("sslSupportMethod"),
            MinimumProtocolVersion=certificate.get("minimumProtocolVersion"),
        ),
    )  # fmt: skip
    created = ctx.client("cloudfront").create_distribution(DistributionConfig=config)
    dist = created["Distribution"]
    return dist["Id"], {
        "arn": dist["ARN"], "domainName": dist["DomainName"], "etag": created["ETag"],
        "hostedZoneId": "Z2FDTNDATAQYW2",  # CloudFront's, for alias records
        "status": dist.get("Status", ""),
    }  # fmt: skip


def _error_response(response: dict) -> dict:
    code = as_int(response.get("responseCode"))
    return drop_none(
        ErrorCode=as_int(response["errorCode"]),
        ResponsePagePath=response.get("responsePagePath"),
        ResponseCode=str(code) if code else None,
        ErrorCachingMinTTL=as_int(response.get("errorCachingMinTtl")),
    )


def _origin(origin: dict) -> dict:
    # An origin with origin access control and no custom config is an S3 origin: the API
    # takes it with an empty S3OriginConfig, as the provider sends it.
    return drop_none(
        Id=origin["originId"],
        DomainName=origin["domainName"],
        OriginPath=origin.get("originPath"),
        OriginAccessControlId=origin.get("originAccessControlId"),
        S3OriginConfig={"OriginAccessIdentity": ""},
    )
