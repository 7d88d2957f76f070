"""What the console's edge does to every response: security headers and SPA routes.

One definition, used by the CloudFront distribution (infra/console.py) and by the sandbox's
console server (sandbox/run/web_server.py), so the two cannot drift apart. No Pulumi here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# The viewer-request function that maps folder routes to their index.html (see the file).
REWRITE_FUNCTION_FILE = Path(__file__).with_name("console_rewrite.js")
REWRITE_FUNCTION_RUNTIME = "cloudfront-js-2.0"

# Unknown paths: S3 answers 403 for a key that does not exist when the reader (CloudFront)
# may not list the bucket, and 404 when it may; both become the styled page with a 404.
NOT_FOUND_PAGE = "/404.html"
NOT_FOUND_ORIGIN_STATUSES = (403, 404)
NOT_FOUND_CACHE_SECONDS = 10

HSTS_MAX_AGE_SECONDS = 63_072_000  # two years
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "same-origin"  # Stripe and Cognito need no referrer; session ids stay here

# Cache-Control per object. The file names carry no content hash (there is no build step),
# so an asset cannot be cached "forever": a deploy would leave browsers on an old app.js
# under a new HTML page. HTML and config.json are revalidated on every view (ETag, cheap);
# the console's own scripts and styles for 5 minutes; the vendored library, which changes
# only with its pinned version, for a day.
NO_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=300"
VENDOR_CACHE = "public, max-age=86400"


def rewrite_function_code() -> str:
    return REWRITE_FUNCTION_FILE.read_text()


def cache_control(key: str) -> str:
    """The Cache-Control an object of the console is uploaded with (``key``: no leading /)."""
    if key.endswith(".html") or key == "config.json":
        return NO_CACHE
    if key.startswith("vendor/"):
        return VENDOR_CACHE
    return ASSET_CACHE


def content_security_policy(connect_sources: Sequence[str]) -> str:
    """Exactly what the console loads and calls.

    Scripts, styles and images only from the console itself (no inline code, no eval);
    ``fetch`` to itself (config.json) and to ``connect_sources``: the API, Cognito's
    regional endpoint (SRP sign-in) and the hosted UI's token endpoint. Checkout, the
    billing portal and the hosted sign-in page are top-level navigations, which CSP does
    not govern. Nothing may frame the console.
    """
    connect = " ".join(["'self'", *connect_sources])
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        f"connect-src {connect}",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ])  # fmt: skip


def aws_connect_sources(region: str, hosted_ui_domain: str) -> list[str]:
    """The origins the console calls on AWS.

    The API is named by its region's wildcard, not its id: the API's CORS origin is the
    console's URL, which is the distribution's, so the distribution's headers cannot wait
    for the API without a dependency cycle.
    """
    return [
        f"https://*.execute-api.{region}.amazonaws.com",
        f"https://cognito-idp.{region}.amazonaws.com",
        f"https://{hosted_ui_domain}",
    ]


def security_headers(csp: str) -> dict[str, str]:
    """The headers the distribution's response-headers policy adds (names as sent)."""
    return {
        "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Content-Security-Policy": csp,
    }
