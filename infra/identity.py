"""Cognito: who the users are, and the plan attributes only the backend may write."""

from __future__ import annotations

import hashlib

import pulumi
import pulumi_aws as aws

from infra.config import StackConfig
from infra.naming import qualified_stack_name

# Standard attributes the web client may write. No `custom:` attribute may ever be listed
# here: plan_type and stripe_customer_id are set by the backend alone (the policy pack
# enforces this too).
WEB_CLIENT_WRITE_ATTRIBUTES = ("email", "name")


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
        web_base_url: pulumi.Input[str],  # the console: OAuth callback and sign-out target
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
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
                "attributes_require_verification_before_update": ["email"]
            },
            schemas=[_custom_string_attribute(attr) for attr in config.user_attributes],
            deletion_protection="ACTIVE" if protect else "INACTIVE",
            tags=config.tags,
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
            domain=domain_prefix(config),
            user_pool_id=self.user_pool.id,
            opts=pulumi.ResourceOptions(parent=self),
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


def _custom_string_attribute(name: str) -> aws.cognito.UserPoolSchemaArgs:
    # mutable: the backend changes the plan; developer_only: False keeps the attribute
    # readable by the app client (writes are blocked by the client's write_attributes).
    return aws.cognito.UserPoolSchemaArgs(
        name=name,
        attribute_data_type="String",
        mutable=True,
        developer_only_attribute=False,
        required=False,
        string_attribute_constraints=aws.cognito.UserPoolSchemaStringAttributeConstraintsArgs(
            min_length="0", max_length="256"
        ),
    )


def domain_prefix(config: StackConfig) -> str:
    """Known before the pool exists: the console's CSP names the hosted UI by it."""
    return config.auth_domain_prefix or default_domain_prefix()


def hosted_ui_domain_name(prefix: str, region: str) -> str:
    return f"{prefix}.auth.{region}.amazoncognito.com"


def default_domain_prefix() -> str:
    """Hosted-UI prefixes are global per region: derive one from org/project/stack."""
    suffix = hashlib.sha256(qualified_stack_name().encode()).hexdigest()[:8]
    stack = "".join(c if c.isalnum() else "-" for c in pulumi.get_stack().lower())[:20]
    return f"{pulumi.get_project()}-{stack}-{suffix}".strip("-")
