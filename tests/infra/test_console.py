"""The web console hosted by the stack: a private bucket read only by its CloudFront
distribution, HTTPS and security headers at the edge, folder routes, every file of web/
uploaded, config.json made from the stack's outputs, and the console's URL (the
distribution's by default) wherever Cognito, the API and Checkout need it."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from infra import console_edge
from infra.config import ConfigError
from infra.console_content import WEB_ROOT, site_files
from tests.infra.harness import ACCOUNT_ID, DISTRIBUTION_DOMAIN, REGION, run_program

BUCKET = "aws:s3/bucket:Bucket"
ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2"
OAC = "aws:cloudfront/originAccessControl:OriginAccessControl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
FUNCTION = "aws:cloudfront/function:Function"
HEADERS = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
CACHE = "aws:cloudfront/cachePolicy:CachePolicy"
CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f3c2b1a-1111-4222-8333-944445555666"
CONSOLE_URL = f"https://{DISTRIBUTION_DOMAIN}"


def _one(run, type_: str):
    found = run.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def _objects(run) -> dict[str, dict]:
    return {o.inputs["key"]: o.inputs for o in run.of_type(OBJECT)}


def _env(run, concern: str) -> dict[str, str]:
    function = run.named("aws:lambda/function:Function", f"functions-{concern}")
    return function.inputs["environment"]["variables"]


# -- the bucket ---------------------------------------------------------------------------


def test_bucket_is_private_owner_enforced_encrypted_and_no_website(dev_run):
    bucket = _one(dev_run, BUCKET)
    assert "website" not in bucket.inputs and "acl" not in bucket.inputs
    assert not [r for r in dev_run if "website" in r.type.lower()]
    block = _one(dev_run, ACCESS_BLOCK).inputs
    assert block["bucket"] == bucket.id
    for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                    "restrictPublicBuckets"):  # fmt: skip
        assert block[setting] is True, setting
    ownership = _one(dev_run, OWNERSHIP).inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = _one(dev_run, ENCRYPTION).inputs
    assert encryption["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_only_this_distribution_may_read_the_bucket(dev_run):
    bucket = _one(dev_run, BUCKET)
    distribution = _one(dev_run, DISTRIBUTION)
    policy = json.loads(_one(dev_run, BUCKET_POLICY).inputs["policy"])
    assert policy["Statement"] == [{
        "Sid": "ConsoleDistributionReads",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket.id}/*",
        "Condition": {"StringEquals": {
            "AWS:SourceArn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution.id}"}},
    }]  # fmt: skip


def test_distribution_reads_the_bucket_through_origin_access_control(dev_run):
    oac = _one(dev_run, OAC)
    assert oac.inputs["originAccessControlOriginType"] == "s3"
    assert oac.inputs["signingBehavior"] == "always"
    assert oac.inputs["signingProtocol"] == "sigv4"
    bucket = _one(dev_run, BUCKET)
    [origin] = _one(dev_run, DISTRIBUTION).inputs["origins"]
    assert origin["domainName"] == f"{bucket.id}.s3.{REGION}.amazonaws.com"
    assert origin["originAccessControlId"] == oac.id
    assert "customOriginConfig" not in origin and "s3OriginConfig" not in origin


# -- the edge -----------------------------------------------------------------------------


def test_viewers_get_https_only_compressed_get_and_head(dev_run):
    distribution = _one(dev_run, DISTRIBUTION).inputs
    behavior = distribution["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["allowedMethods"] == ["GET", "HEAD"]
    assert behavior["compress"] is True
    assert not distribution.get("orderedCacheBehaviors")
    assert distribution["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert "aliases" not in distribution


def test_cache_policy_lets_each_object_decide_and_keys_on_nothing_but_the_path(dev_run):
    cache = _one(dev_run, CACHE).inputs
    assert cache["minTtl"] == 0, "a minimum TTL would hold no-cache HTML at the edge"
    parameters = cache["parametersInCacheKeyAndForwardedToOrigin"]
    assert parameters["queryStringsConfig"] == {"queryStringBehavior": "none"}
    assert parameters["cookiesConfig"] == {"cookieBehavior": "none"}
    assert parameters["enableAcceptEncodingGzip"] and parameters["enableAcceptEncodingBrotli"]
    behavior = _one(dev_run, DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert behavior["cachePolicyId"] == _one(dev_run, CACHE).id


def test_security_headers_are_set_and_override_the_origin(dev_run):
    policy = _one(dev_run, HEADERS)
    headers = policy.inputs["securityHeadersConfig"]
    assert headers["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31_536_000
    assert headers["contentTypeOptions"] == {"override": True}
    assert headers["frameOptions"] == {"frameOption": "DENY", "override": True}
    assert headers["referrerPolicy"]["referrerPolicy"] == "same-origin"
    assert all(h["override"] is True for h in headers.values())
    behavior = _one(dev_run, DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert behavior["responseHeadersPolicyId"] == policy.id


def test_content_security_policy_allows_exactly_what_the_console_calls(dev_run):
    csp = _one(dev_run, HEADERS).inputs["securityHeadersConfig"]["contentSecurityPolicy"]
    directives = {
        d.split()[0]: d.split()[1:] for d in csp["contentSecurityPolicy"].split("; ")
    }
    assert directives["default-src"] == ["'none'"]
    for kind in ("script-src", "style-src", "img-src", "form-action"):
        assert directives[kind] == ["'self'"], kind
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["connect-src"] == [
        "'self'",
        f"https://*.execute-api.{REGION}.amazonaws.com",  # the API (any id: see console_edge)
        f"https://cognito-idp.{REGION}.amazonaws.com",  # SRP sign-in
        f"https://{dev_run.exports['hostedUiDomain']}",  # the hosted UI's token endpoint
    ]
    assert "unsafe" not in csp["contentSecurityPolicy"]


def test_folder_routes_run_as_a_viewer_request_function(dev_run):
    function = _one(dev_run, FUNCTION)
    assert function.inputs["runtime"] == "cloudfront-js-2.0"
    assert function.inputs["publish"] is True, "an unpublished function never runs"
    assert function.inputs["code"] == (Path("infra") / "console_rewrite.js").read_text()
    behavior = _one(dev_run, DISTRIBUTION).inputs["defaultCacheBehavior"]
    assert behavior["functionAssociations"] == [{
        "eventType": "viewer-request",
        "functionArn": f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{function.inputs['name']}",
    }]  # fmt: skip


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_rewrite_function_maps_folder_routes_to_their_index_pages():
    expected = {
        "/": "/index.html",
        "/account/": "/account/index.html",
        "/account": "/account/index.html",
        "/upgrade/thanks": "/upgrade/thanks/index.html",
        "/auth/callback": "/auth/callback/index.html",
        "/assets/app.js": "/assets/app.js",
        "/config.json": "/config.json",
        "/404.html": "/404.html",
        "/v1.2/notes": "/v1.2/notes/index.html",  # a dot in a folder is not a file
        "/no-such-page": "/no-such-page/index.html",  # then S3 403 -> the 404 page
    }
    script = console_edge.rewrite_function_code() + """
const out = {};
for (const uri of JSON.parse(process.argv[1])) {
  out[uri] = handler({ request: { uri, method: "GET", headers: {}, querystring: {} } }).uri;
}
process.stdout.write(JSON.stringify(out));
"""
    result = subprocess.run([NODE, "-e", script, json.dumps(list(expected))],
                            capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
    assert json.loads(result.stdout) == expected


def test_unknown_paths_get_the_styled_404_page(dev_run):
    responses = _one(dev_run, DISTRIBUTION).inputs["customErrorResponses"]
    assert {r["errorCode"] for r in responses} == {403, 404}  # S3 says 403 for a missing key
    for response in responses:
        assert response["responseCode"] == 404
        assert response["responsePagePath"] == "/404.html"
    page = (WEB_ROOT / "404.html").read_text()
    assert '<link rel="stylesheet" href="/assets/style.css">' in page
    assert "404.html" in _objects(dev_run)


# -- the files ----------------------------------------------------------------------------


def test_every_file_of_web_is_uploaded_with_its_type_cache_and_hash(dev_run):
    objects = _objects(dev_run)
    on_disk = {p.relative_to(WEB_ROOT).as_posix(): p for p in WEB_ROOT.rglob("*") if p.is_file()}
    assert set(objects) == set(on_disk) | {"config.json", "openapi.json"}
    bucket = _one(dev_run, BUCKET)
    for key, path in on_disk.items():
        uploaded = objects[key]
        assert uploaded["bucket"] == bucket.id
        assert uploaded["sourceHash"] == hashlib.sha256(path.read_bytes()).hexdigest(), key
    assert objects["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert objects["assets/app.js"]["contentType"] == "text/javascript; charset=utf-8"
    assert objects["assets/pages/upgrade.js"]["contentType"] == "text/javascript; charset=utf-8"
    assert objects["assets/style.css"]["contentType"] == "text/css; charset=utf-8"
    assert objects["config.json"]["contentType"] == "application/json"
    assert objects["index.html"]["cacheControl"] == "no-cache"
    assert objects["upgrade/thanks/index.html"]["cacheControl"] == "no-cache"
    assert objects["config.json"]["cacheControl"] == "no-cache"
    assert objects["assets/app.js"]["cacheControl"] == console_edge.ASSET_CACHE
    vendored = "vendor/amazon-cognito-identity-js/amazon-cognito-identity.min.js"
    assert objects[vendored]["cacheControl"] == console_edge.VENDOR_CACHE


def test_a_changed_file_gets_a_new_source_hash(tmp_path):
    (tmp_path / "index.html").write_text("<h1>one</h1>")
    before = {f.key: f.sha256 for f in site_files(tmp_path)}
    (tmp_path / "index.html").write_text("<h1>two</h1>")
    assert {f.key: f.sha256 for f in site_files(tmp_path)} != before


@pytest.mark.parametrize(
    ("name", "problem"),
    [("logo.webp", "no content type for .webp"), ("config.json", "generated by the program"),
     ("openapi.json", "generated by the program")],
)
def test_a_file_the_program_cannot_serve_right_stops_it(tmp_path, name, problem):
    (tmp_path / "index.html").write_text("<h1>ok</h1>")
    (tmp_path / name).write_text("x")
    with pytest.raises(ValueError, match=problem):
        site_files(tmp_path)


def test_config_json_is_built_from_the_stack_outputs(dev_run):
    config = json.loads(_objects(dev_run)["config.json"]["content"])
    exports = dev_run.exports
    assert config["apiUrl"] == exports["apiUrl"]
    assert config["userPoolId"] == exports["userPoolId"]
    assert config["webClientId"] == exports["webClientId"]
    assert config["hostedUiUrl"] == exports["hostedUiUrl"]
    assert config["hostedUiDomain"] == exports["hostedUiDomain"]
    assert config["region"] == REGION
    assert config["environment"] == "dev"
    assert config["defaultPlan"] == "FREE"
    assert config["plans"] == [
        {"name": "FREE", "quota": {"limit": 1000, "period": "MONTH"},
         "throttle": {"rateLimit": 5.0, "burstLimit": 10}, "price": None,
         "features": ["IMAP4 mail receiving", "Attachment download"]},
        {"name": "PRO", "quota": {"limit": 100000, "period": "MONTH"},
         "throttle": {"rateLimit": 50.0, "burstLimit": 100},
         "price": {"unitAmount": 980, "currency": "jpy", "interval": "month"},
         "features": ["IMAP4 mail receiving", "Attachment download"]},
    ]  # fmt: skip
    # What cancelling does, as the portal configuration declares it; no seller text set.
    portal = dev_run.of_type("stripe:index/portalConfiguration:PortalConfiguration")[0]
    cancel = portal.inputs["features"]["subscriptionCancel"]
    assert config["cancellation"] == {
        "mode": cancel["mode"], "proration": cancel["prorationBehavior"], "policy": None}
    assert config["cancellation"]["mode"] == "at_period_end"
    # No sandbox-only key reaches AWS: the browser calls Cognito and the API directly.
    assert not {"cognitoEndpoint", "autoConfirmUrl", "demoMailbox"} & set(config)


def test_the_api_reference_is_published_with_the_deployed_api_as_its_server(dev_run):
    published = _objects(dev_run)["openapi.json"]
    assert published["contentType"] == "application/json"
    assert published["cacheControl"] == "public, max-age=300"  # a deploy shows within minutes
    document = json.loads(published["content"])
    validate(document)
    assert document["servers"][0]["url"] == dev_run.exports["apiUrl"]
    assert sorted(document["paths"]) == ["/v1/mail/attachment", "/v1/mail/mailboxes",
                                         "/v1/mail/messages"]  # fmt: skip
    assert [p["name"] for p in document["info"]["x-plans"]] == ["FREE", "PRO"]
    assert document["info"]["title"] == "FM Mail API"  # the businessName config's
    # In the console's own bucket, next to the page that renders it.
    bucket = _one(dev_run, BUCKET)
    assert published["bucket"] == bucket.id
    assert "docs/index.html" in _objects(dev_run)


# A seller's own plans: a daily FREE quota and a weekly paid TEAM plan in dollars.
WEEKLY_TEAM_PLANS = [
    {"name": "FREE", "quota": {"limit": 50, "period": "DAY"},
     "throttle": {"rateLimit": 1, "burstLimit": 2}},
    {"name": "TEAM", "quota": {"limit": 9000, "period": "WEEK"},
     "throttle": {"rateLimit": 20, "burstLimit": 40},
     "price": {"lookupKey": "team-weekly", "unitAmount": 1500, "currency": "usd",
               "interval": "week"}},
]  # fmt: skip


def test_the_api_reference_follows_the_plans_config():
    run = run_program({"businessName": "Acme", "plans": WEEKLY_TEAM_PLANS})
    info = json.loads(_objects(run)["openapi.json"]["content"])["info"]
    assert [(p["name"], p["quota"]) for p in info["x-plans"]] == [
        ("FREE", {"limit": 50, "period": "DAY"}), ("TEAM", {"limit": 9000, "period": "WEEK"})]
    assert "| TEAM | 9,000 calls a week | 20 | 40 |" in info["description"]
    assert info["title"] == "Acme API"


def test_config_json_follows_the_plans_config():
    run = run_program({"plans": WEEKLY_TEAM_PLANS})
    plans = json.loads(_objects(run)["config.json"]["content"])["plans"]
    assert [(p["name"], p["quota"], p["price"]) for p in plans] == [
        ("FREE", {"limit": 50, "period": "DAY"}, None),
        ("TEAM", {"limit": 9000, "period": "WEEK"},
         {"unitAmount": 1500, "currency": "usd", "interval": "week"}),
    ]  # fmt: skip


@pytest.mark.parametrize("policy", [
    "Refunds within 14 days on request: billing@example.com",
    {"en": "No refunds.", "ja": "返金はありません。"},
])
def test_config_json_carries_the_sellers_cancellation_policy(policy):
    run = run_program({"cancellationPolicy": policy})
    config = json.loads(_objects(run)["config.json"]["content"])
    assert config["cancellation"]["policy"] == policy


# -- the console's URL --------------------------------------------------------------------


def _cors_origins(run) -> set[str]:
    origins = {
        r.inputs["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        for r in run.of_type("aws:apigateway/response:Response")
    }
    origins |= {
        r.inputs["responseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        for r in run.of_type("aws:apigateway/integrationResponse:IntegrationResponse")
    }
    return origins


def test_web_base_url_defaults_to_the_distribution(dev_run):
    assert dev_run.exports["consoleUrl"] == CONSOLE_URL
    client = _one(dev_run, CLIENT).inputs
    assert client["callbackUrls"] == [f"{CONSOLE_URL}/auth/callback"]
    assert client["logoutUrls"] == [f"{CONSOLE_URL}/"]
    assert _env(dev_run, "billing")["WEB_BASE_URL"] == CONSOLE_URL
    assert _env(dev_run, "webhook")["WEB_BASE_URL"] == CONSOLE_URL
    for concern in ("account", "billing", "webhook"):
        assert _env(dev_run, concern)["CORS_ALLOW_ORIGIN"] == CONSOLE_URL, concern
    assert _cors_origins(dev_run) == {f"'{CONSOLE_URL}'"}


def test_a_set_web_base_url_wins_everywhere():
    run = run_program({"webBaseUrl": "https://app.example.com/console"})
    assert run.exports["consoleUrl"] == "https://app.example.com/console"
    client = _one(run, CLIENT).inputs
    assert client["callbackUrls"] == ["https://app.example.com/console/auth/callback"]
    assert _env(run, "billing")["WEB_BASE_URL"] == "https://app.example.com/console"
    assert _env(run, "billing")["CORS_ALLOW_ORIGIN"] == "https://app.example.com"
    assert _cors_origins(run) == {"'https://app.example.com'"}
    [portal] = run.of_type("stripe:index/portalConfiguration:PortalConfiguration")
    assert portal.inputs["defaultReturnUrl"] == "https://app.example.com/console/upgrade"


def test_a_new_console_origin_redeploys_the_api(dev_run):
    def redeployment(run) -> str:
        deployment = _one(run, "aws:apigateway/deployment:Deployment")
        return deployment.inputs["triggers"]["redeployment"]

    moved = run_program({"webBaseUrl": "https://app.example.com"})
    assert redeployment(moved) != redeployment(dev_run)


def test_custom_domain_sets_aliases_certificate_and_the_console_url():
    run = run_program(
        {"consoleDomain": "console.example.com", "consoleCertificateArn": CERTIFICATE}
    )
    distribution = _one(run, DISTRIBUTION).inputs
    assert distribution["aliases"] == ["console.example.com"]
    assert distribution["viewerCertificate"] == {
        "acmCertificateArn": CERTIFICATE,
        "sslSupportMethod": "sni-only",
        "minimumProtocolVersion": "TLSv1.2_2021",
    }
    assert run.exports["consoleUrl"] == "https://console.example.com"
    client = _one(run, CLIENT).inputs
    assert client["callbackUrls"] == ["https://console.example.com/auth/callback"]
    assert _env(run, "billing")["WEB_BASE_URL"] == "https://console.example.com"


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"consoleDomain": "console.example.com"}, "consoleCertificateArn"),
        ({"consoleCertificateArn": CERTIFICATE}, "consoleCertificateArn"),
        ({"consoleDomain": "Console Example", "consoleCertificateArn": CERTIFICATE},
         "consoleDomain"),
        ({"consoleDomain": "console.example.com",
          "consoleCertificateArn": CERTIFICATE.replace("us-east-1", "ap-northeast-1")},
         "consoleCertificateArn"),
        ({"consoleDomain": "console.example.com", "consoleCertificateArn": CERTIFICATE,
          "webBaseUrl": "https://elsewhere.example.com"}, "webBaseUrl"),
    ],
)  # fmt: skip
def test_bad_console_config_names_the_key(override, key):
    with pytest.raises(ConfigError) as error:
        run_program(override)
    assert str(error.value).startswith(f"api-sales:{key}: "), str(error.value)
