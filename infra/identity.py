"""Cognito: who the users are, and the plan attributes only the backend may write."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from infra.aws_context import AwsContext
from infra.config import StackConfig

# Standard attributes the web client may write. No `custom:` attribute may ever be listed
# here: plan_type and stripe_customer_id are set by the backend alone (the policy pack
# enforces this too).
WEB_CLIENT_WRITE_ATTRIBUTES = ("email", "name")
# Cognito refuses a prefix domain containing these words.
_RESERVED_PREFIX_WORDS = ("aws", "amazon", "cognito")


class Identity(pulumi.ComponentResource):
    """User pool with custom plan attributes, the web console's app client and hosted UI."""

    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    web_client_id: pulumi.Output[str]
    hosted_ui_domain: pulumi.Output[str]  # <prefix>.auth.<region>.amazoncognito.com
    hosted_ui_url: pulumi.Output[str]  # https://<hosted_ui_domain>

    def __init__(
        self,
        name: str,
        config: StackConfig,
        context: AwsContext,
        schema: pulumi.Input[Sequence[aws.cognito.UserPoolSchemaArgsDict]],
        web_base_url: pulumi.Input[str],  # the console: OAuth callback and sign-out target
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``schema``: the custom attributes, as passed by the schema guard (an Output that
        fails, and so keeps the pool from being registered, when the change would lose users).
        """
        super().__init__("api-sales:identity:Identity", name, None, opts)
        protect = config.protect_stateful_resources

        self.user_pool = aws.cognito.UserPool(
            f"{name}-users",
            username_attributes=["email"],
            auto_verified_attributes=["email"],
            username_configuration={"case_sensitive": False},
            account_recovery_setting={
                "recovery_mechanisms": [{"name": "verified_email", "priority": 1}]
            },
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": False,
                "temporary_password_validity_days": 3,
            },
            user_attribute_update_settings={
                "attributes_require_verification_before_updates": ["email"]
            },
            schemas=schema,
            user_pool_tier=config.user_pool_tier,
            email_configuration=_email_configuration(config),
            deletion_protection="ACTIVE" if protect else "INACTIVE",
            # protect: a replaced or deleted pool loses every user and password for good.
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )

        self.web_client = aws.cognito.UserPoolClient(
            f"{name}-web",
            user_pool_id=self.user_pool.id,
            generate_secret=False,  # a browser app cannot keep a secret
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            prevent_user_existence_errors="ENABLED",
            supported_identity_providers=["COGNITO"],
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=["openid", "email", "profile"],
            callback_urls=[pulumi.Output.concat(web_base_url, "/auth/callback")],
            logout_urls=[pulumi.Output.concat(web_base_url, "/")],
            read_attributes=[
                "email",
                "email_verified",
                "name",
                *(f"custom:{attr}" for attr in config.user_attributes),
            ],
            write_attributes=list(WEB_CLIENT_WRITE_ATTRIBUTES),
            id_token_validity=60,
            access_token_validity=60,
            refresh_token_validity=30,
            token_validity_units={
                "id_token": "minutes",
                "access_token": "minutes",
                "refresh_token": "days",
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.domain = aws.cognito.UserPoolDomain(
            f"{name}-domain",
            domain=domain_prefix(config, context),
            user_pool_id=self.user_pool.id,
            # A prefix is unique in its region: the new domain can only be created once the
            # old one is gone, so a replacement must delete first.
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )

        self.user_pool_id = self.user_pool.id
        self.user_pool_arn = self.user_pool.arn
        self.web_client_id = self.web_client.id
        self.hosted_ui_domain = pulumi.Output.concat(
            self.domain.domain, ".auth.", aws.get_region_output().region, ".amazoncognito.com"
        )
        self.hosted_ui_url = pulumi.Output.concat("https://", self.hosted_ui_domain)
        self.register_outputs(
            {
                "user_pool_id": self.user_pool_id,
                "web_client_id": self.web_client_id,
                "hosted_ui_domain": self.hosted_ui_domain,
                "hosted_ui_url": self.hosted_ui_url,
            }
        )


def _email_configuration(config: StackConfig) -> aws.cognito.UserPoolEmailConfigurationArgsDict:
    """Cognito's own sender allows about 50 mails a day; SES when the seller configured it."""
    ses = config.ses_email
    if ses is None:
        return {"email_sending_account": "COGNITO_DEFAULT"}
    settings: aws.cognito.UserPoolEmailConfigurationArgsDict = {
        "email_sending_account": "DEVELOPER", "source_arn": ses.source_arn}
    if ses.from_address is not None:
        settings["from_email_address"] = ses.from_address
    if ses.configuration_set is not None:
        settings["configuration_set"] = ses.configuration_set
    return settings


def domain_prefix(config: StackConfig, context: AwsContext) -> pulumi.Input[str]:
    """Known before the pool exists: the console's CSP names the hosted UI by it."""
    return config.auth_domain_prefix or pulumi.Output.all(context.account_id, context.region).apply(
        lambda parts: default_domain_prefix(parts[0], parts[1])
    )


def hosted_ui_domain_name(prefix: str, region: str) -> str:
    return f"{prefix}.auth.{region}.amazoncognito.com"


def default_domain_prefix(account_id: str, region: str) -> str:
    """A hosted-UI prefix unique in the region, stable for the life of the stack.

    Derived from project, stack, account and region, never from the Pulumi organisation:
    moving the stack to another organisation must not replace the domain (and with it the
    sign-in URL every OAuth callback points at).
    """
    project, stack = pulumi.get_project(), pulumi.get_stack()
    suffix = hashlib.sha256(f"{project}/{stack}/{account_id}/{region}".encode()).hexdigest()[:8]
    readable = "-".join(part for part in (_slug(project)[:30], _slug(stack)[:20]) if part)
    return f"{readable}-{suffix}" if readable else f"auth-{suffix}"


def _slug(text: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in text.lower())
    for word in _RESERVED_PREFIX_WORDS:
        slug = slug.replace(word, "")
    return "-".join(part for part in slug.split("-") if part)
