"""The console as the program deployed it into ministack: the bucket's settings, every file
of web/ and the generated config.json in it, and the distribution serving them with the
folder routes, the 404 page, HTTPS only and the security headers of infra/console_edge."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from openapi_spec_validator import validate

from infra.console_content import site_files
from infra.console_edge import aws_connect_sources, content_security_policy, security_headers
from tests.sandbox.conftest import Sandbox


def viewer_get(sandbox: Sandbox, path: str, https: bool = True) -> http.client.HTTPResponse:
    """A viewer request to the distribution, which ministack serves by its Host name."""
    endpoint = urlsplit(sandbox.stack.endpoint_url)
    connection = http.client.HTTPConnection(endpoint.hostname, endpoint.port, timeout=30)
    connection.request("GET", path, headers={
        "Host": sandbox.stack.console_distribution_domain,
        "X-Forwarded-Proto": "https" if https else "http",
    })  # fmt: skip
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_bucket_is_private_encrypted_and_read_only_by_the_distribution(sandbox: Sandbox) -> None:
    s3, bucket = sandbox.client("s3"), sandbox.stack.console_bucket
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    distribution = sandbox.client("cloudfront").get_distribution(
        Id=sandbox.stack.console_distribution_id)["Distribution"]  # fmt: skip
    [statement] = policy["Statement"]
    assert statement["Condition"]["StringEquals"]["AWS:SourceArn"] == distribution["ARN"]


def test_every_file_and_the_generated_config_are_in_the_bucket(sandbox: Sandbox) -> None:
    s3, bucket = sandbox.client("s3"), sandbox.stack.console_bucket
    for file in site_files():
        head = s3.head_object(Bucket=bucket, Key=file.key)
        assert head["ContentType"] == file.content_type, file.key
        assert head["CacheControl"] == file.cache_control, file.key
        assert head["ContentLength"] == file.path.stat().st_size, file.key
    config = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
    stack = sandbox.stack
    assert config["apiUrl"] == stack.api_url
    assert config["userPoolId"] == stack.user_pool_id
    assert config["webClientId"] == stack.web_client_id
    assert config["hostedUiDomain"] == stack.hosted_ui_domain
    assert config["region"] == stack.region
    assert [p["name"] for p in config["plans"]] == ["FREE", "PRO"]
    assert config["plans"][0]["quota"] == {"limit": 3, "period": "DAY"}  # the sandbox's quota


def test_distribution_serves_folder_routes_with_the_security_headers(sandbox: Sandbox) -> None:
    csp = content_security_policy(
        aws_connect_sources(sandbox.stack.region, sandbox.stack.hosted_ui_domain)
    )
    # Each page is known by its own module (the words come from the catalogues).
    for path, marker in [("/", b'src="/assets/pages/index.js"'),
                         ("/account/", b'src="/assets/pages/account.js"'),
                         ("/upgrade/thanks", b'src="/assets/pages/thanks.js"'),
                         ("/auth/callback", b'src="/assets/pages/callback.js"')]:  # fmt: skip
        response = viewer_get(sandbox, path)
        assert response.status == 200, path
        assert marker in response.body, path  # type: ignore[attr-defined]
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert response.getheader("Cache-Control") == "no-cache"
        for name, value in security_headers(csp).items():
            assert response.getheader(name) == value, (path, name)


def test_unknown_path_is_the_styled_404_page(sandbox: Sandbox) -> None:
    for path in ("/no-such-page", "/assets/missing.js"):
        response = viewer_get(sandbox, path)
        assert response.status == 404, path
        assert b'data-i18n="notFound.title"' in response.body  # type: ignore[attr-defined]
        assert b"/assets/style.css" in response.body  # type: ignore[attr-defined]


def test_plain_http_is_redirected_to_https(sandbox: Sandbox) -> None:
    response = viewer_get(sandbox, "/account/", https=False)
    assert response.status == 301
    domain = sandbox.stack.console_distribution_domain
    assert response.getheader("Location") == f"https://{domain}/account/"


def test_the_api_reference_and_its_document_are_served(sandbox: Sandbox) -> None:
    """/docs and /openapi.json were 404 (issue 10): the page and the document the stack made."""
    for path in ("/docs", "/docs/"):
        response = viewer_get(sandbox, path)
        assert response.status == 200, path
        body = response.body  # type: ignore[attr-defined]
        assert b"/vendor/swagger-ui-dist/swagger-ui-bundle.js" in body, path
    response = viewer_get(sandbox, "/openapi.json")
    assert response.status == 200
    assert response.getheader("Content-Type") == "application/json"
    assert response.getheader("Cache-Control") == "public, max-age=300"
    document = json.loads(response.body)  # type: ignore[attr-defined]
    validate(document)
    assert document["servers"][0]["url"] == sandbox.stack.api_url
    assert [p["quota"] for p in document["info"]["x-plans"]][0] == {"limit": 3, "period": "DAY"}
    # The documented server is the deployed API: a call without a key is the documented 403.
    request = urllib.request.Request(
        document["servers"][0]["url"] + "/v1/mail/mailboxes", data=b"{}", method="POST",
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    try:
        urllib.request.urlopen(request, timeout=90)
        raise AssertionError("the product answered without a key")
    except urllib.error.HTTPError as refused:
        assert refused.code == 403
        assert "403" in document["paths"]["/v1/mail/mailboxes"]["post"]["responses"]
        assert set(json.loads(refused.read())["error"]) >= {"code", "message"}
