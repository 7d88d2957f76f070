"""Everything a resource creator needs: boto3 clients on ministack, region, account, names."""

from __future__ import annotations

import re
import secrets
import threading
from typing import Any

import boto3
import stripe
from botocore.config import Config

SERVICES = (
    "apigateway", "cloudfront", "cloudwatch", "cognito-idp", "dynamodb", "iam", "kms", "lambda",
    "logs", "s3", "scheduler", "secretsmanager", "sns", "sqs", "sts",
)  # fmt: skip
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_.+=,@-]")


class DeployContext:
    """Shared by all threads that call ``new_resource``.

    boto3 clients are thread-safe, boto3 sessions are not: every client is made here, once,
    on the thread that builds the context.
    """

    def __init__(
        self, endpoint_url: str, region: str, stripe_api_base: str | None = None
    ) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.region = region
        # Where the Stripe side is deployed: the Stripe double (api-sales-sandbox:stripeApiBase).
        self.stripe_api_base = stripe_api_base.rstrip("/") if stripe_api_base else None
        self._stripe: stripe.StripeClient | None = None
        session = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name=region
        )
        config = Config(retries={"max_attempts": 2, "mode": "standard"})
        self._clients: dict[str, Any] = {
            service: session.client(service, endpoint_url=self.endpoint_url, config=config)
            for service in SERVICES
        }
        self._lock = threading.Lock()
        self.account_id: str = self.client("sts").get_caller_identity()["Account"]
        self._used_names: set[str] = set()

    def client(self, service: str) -> Any:
        return self._clients[service]

    def use_stripe_key(self, api_key: str) -> None:
        """The Stripe provider's API key: every Stripe resource is created with it."""
        if not self.stripe_api_base:
            raise RuntimeError(
                "the sandbox deploys the Stripe side into the Stripe double: "
                "set api-sales-sandbox:stripeApiBase to its URL"
            )
        with self._lock:
            self._stripe = stripe.StripeClient(
                api_key, base_addresses={"api": self.stripe_api_base}, max_network_retries=0
            )

    def stripe_client(self) -> stripe.StripeClient:
        if self._stripe is None:
            raise RuntimeError("no Stripe provider was registered before a Stripe resource")
        return self._stripe

    def physical_name(self, logical_name: str, max_length: int = 64) -> str:
        """Pulumi's auto-naming: the logical name plus a random suffix, safe for AWS names."""
        base = _NAME_UNSAFE.sub("-", logical_name)[: max_length - 8]
        with self._lock:
            while True:
                name = f"{base}-{secrets.token_hex(4)[:7]}"
                if name not in self._used_names:
                    self._used_names.add(name)
                    return name

    def arn(self, service: str, resource: str, account: bool = True, region: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )
