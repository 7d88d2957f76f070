"""Secrets Manager entries for Stripe's secret key and webhook signing secret.

The key comes from the ``stripeSecretKey`` config secret; the signing secret is the webhook
endpoint's own ``secret`` output (infra/stripe_catalog.py), never typed in by anyone. Both
stay Pulumi secrets (encrypted in config and state); functions receive only the secrets'
ARNs and read the values at run time.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.config import StackConfig


class StripeSecrets(pulumi.ComponentResource):
    api_key_arn: pulumi.Output[str]
    webhook_secret_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        config: StackConfig,
        webhook_signing_secret: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("api-sales:secrets:StripeSecrets", name, None, opts)
        prefix = f"{pulumi.get_project()}/{pulumi.get_stack()}"
        self.api_key = self._secret(
            f"{name}-stripe-api-key", f"{prefix}/stripe-api-key", config.stripe_secret_key,
            "Stripe secret API key (sk_...)", config,
        )  # fmt: skip
        self.webhook_secret = self._secret(
            f"{name}-stripe-webhook-secret", f"{prefix}/stripe-webhook-secret",
            webhook_signing_secret, "Stripe webhook signing secret (whsec_...)", config,
        )  # fmt: skip
        self.api_key_arn = self.api_key.arn
        self.webhook_secret_arn = self.webhook_secret.arn
        self.register_outputs(
            {"api_key_arn": self.api_key_arn, "webhook_secret_arn": self.webhook_secret_arn}
        )

    def _secret(
        self,
        resource_name: str,
        secret_name: str,
        value: pulumi.Input[str],
        description: str,
        config: StackConfig,
    ) -> aws.secretsmanager.Secret:
        secret = aws.secretsmanager.Secret(
            resource_name,
            name=secret_name,
            description=description,
            # 0 deletes at once, so a throwaway stack can be destroyed and brought up again;
            # with a window, the name stays taken (scheduled for deletion) until it ends.
            recovery_window_in_days=config.secret_recovery_window_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            resource_name,
            secret_id=secret.id,
            secret_string=pulumi.Output.secret(value),
            opts=pulumi.ResourceOptions(parent=secret),
        )
        return secret
