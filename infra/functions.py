"""Lambda functions, one per concern, each with its own least-privilege role."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.aws_context import AwsContext
from infra.config import StackConfig, url_origin
from infra.data import CUSTOMER_INDEX, Data
from infra.naming import physical_name
from infra.packaging import LambdaArchive
from infra.routes import ACCOUNT, BILLING, PRODUCT, WEBHOOK
from infra.secrets import StripeSecrets

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
FUNCTION_NAME_MAX = 64  # Lambda's limit on a function name
# API Gateway gives up on an integration after 29 s (and answers 504); a function still
# running then is billed for nothing, so the product function must finish before.
API_GATEWAY_INTEGRATION_TIMEOUT_S = 29
PRODUCT_TIMEOUT_S = 25
IMAP_DEADLINE_S = 20  # the whole IMAP session, inside the function's own timeout

_TABLE_READ = ["dynamodb:GetItem", "dynamodb:Query"]
_TABLE_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem"]  # records expire; none is deleted


@dataclass(frozen=True)
class FunctionSpec:
    concern: str
    handler: str
    description: str
    memory_mb: int = 256
    timeout_s: int = 10
    tables: tuple[str, ...] = ()  # keys of infra.data.TABLES it reads and writes
    customer_lookup: bool = False  # finds users by Stripe customer id (the users GSI)
    stripe: bool = False  # reads the Stripe API key
    webhook_secret: bool = False
    portal: bool = False  # opens Stripe customer portal sessions
    manages_keys: bool = False  # API Gateway keys and usage-plan membership
    cognito_attributes: bool = False  # writes custom:plan_type / custom:stripe_customer_id
    deletes_users: bool = False  # DELETE /account: AdminDeleteUser on the stack's pool
    extra_env: dict[str, str] = field(default_factory=dict)


FUNCTION_SPECS: dict[str, FunctionSpec] = {
    ACCOUNT: FunctionSpec(
        ACCOUNT, "apisales.routes.account.lambda_handler", "Account and API key routes",
        tables=("users",), manages_keys=True,
    ),
    BILLING: FunctionSpec(
        BILLING, "apisales.routes.billing.lambda_handler", "Stripe Checkout and portal routes",
        timeout_s=20, tables=("users", "checkout-sessions"), stripe=True, portal=True,
        manages_keys=True, cognito_attributes=True, deletes_users=True,
    ),
    WEBHOOK: FunctionSpec(
        WEBHOOK, "apisales.routes.webhook.lambda_handler", "Signed Stripe webhooks",
        timeout_s=20, tables=("users", "checkout-sessions", "stripe-events"), stripe=True,
        customer_lookup=True, webhook_secret=True, manages_keys=True, cognito_attributes=True,
    ),
    PRODUCT: FunctionSpec(
        PRODUCT, "apisales.routes.product.lambda_handler", "FM Mail: IMAP mail and attachments",
        memory_mb=512, timeout_s=PRODUCT_TIMEOUT_S,
        extra_env={"IMAP_DEADLINE": str(IMAP_DEADLINE_S)},
    ),
}  # fmt: skip


def function_name(concern: str) -> str:
    """Fixed physical name, so the API can be wired to it before it exists.

    ``<project>-<stack>-<concern>``; when that is longer than Lambda allows, it is cut and
    ends with a hash of the full name, so two concerns of a long stack name never collide.
    """
    full = physical_name(concern)
    if len(full) <= FUNCTION_NAME_MAX:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: FUNCTION_NAME_MAX - len(digest) - 1]}-{digest}"


class Functions(pulumi.ComponentResource):
    functions: dict[str, aws.lambda_.Function]

    def __init__(
        self,
        name: str,
        config: StackConfig,
        context: AwsContext,
        archives: Mapping[str, LambdaArchive],  # one per function (infra.packaging)
        concerns: list[str],
        data: Data,
        secrets: StripeSecrets,
        user_pool_id: pulumi.Output[str],
        user_pool_arn: pulumi.Output[str],
        usage_plan_ids: dict[str, pulumi.Output[str]],
        api_execution_arn: pulumi.Output[str],
        web_base_url: pulumi.Input[str],  # Checkout/portal return here; CORS allows its origin
        stripe_portal_configuration_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("api-sales:functions:Functions", name, None, opts)
        self._web_base_url = pulumi.Output.from_input(web_base_url)
        self._config = config
        self._context = context
        self._data = data
        self._secrets = secrets
        self._user_pool_id = user_pool_id
        self._user_pool_arn = user_pool_arn
        self._usage_plan_ids = usage_plan_ids
        self._portal_configuration_id = stripe_portal_configuration_id
        self._archives = archives
        self._plan_catalog = plan_catalog(config, usage_plan_ids)
        self.functions = {}
        for concern in concerns:
            function = self._function(name, FUNCTION_SPECS[concern])
            aws.lambda_.Permission(
                f"{name}-{concern}-from-api",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                # Any stage and method of this API only, not of every API in the account.
                source_arn=pulumi.Output.concat(api_execution_arn, "/*/*"),
                opts=pulumi.ResourceOptions(parent=function),
            )
            self.functions[concern] = function
        self.register_outputs({k: f.arn for k, f in self.functions.items()})

    def _function(self, name: str, spec: FunctionSpec) -> aws.lambda_.Function:
        physical_name = function_name(spec.concern)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-{spec.concern}",
            name=f"/aws/lambda/{physical_name}",
            retention_in_days=self._config.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        role = aws.iam.Role(
            f"{name}-{spec.concern}",
            assume_role_policy=iam.LAMBDA_ASSUME_ROLE_POLICY,
            description=f"api-sales {spec.concern} function",
            opts=pulumi.ResourceOptions(parent=self),
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-{spec.concern}",
            role=role.id,
            policy=iam.policy_document(self._statements(spec, log_group)),
            opts=pulumi.ResourceOptions(parent=role),
        )
        return aws.lambda_.Function(
            f"{name}-{spec.concern}",
            name=physical_name,
            description=spec.description,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=spec.handler,
            code=pulumi.FileArchive(str(self._archives[spec.concern].path)),
            role=role.arn,
            memory_size=spec.memory_mb,
            timeout=spec.timeout_s,
            environment={"variables": self._environment(spec)},
            logging_config={"log_format": "JSON", "log_group": log_group.name},
            tracing_config={"mode": "Active"},
            # The policy must exist before the first invocation, or the first calls fail.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, log_group]),
        )

    def _statements(
        self, spec: FunctionSpec, log_group: aws.cloudwatch.LogGroup
    ) -> pulumi.Output[list[iam.Statement]]:
        parts: list[pulumi.Output] = [
            log_group.arn.apply(
                lambda arn: iam.allow(
                    "Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{arn}:*"]
                )  # fmt: skip
            ),
            pulumi.Output.from_input(iam.XRAY_WRITE),
        ]
        if spec.tables:
            tables = [self._data.tables[t] for t in spec.tables]
            arns = [t.arn for t in tables]
            index_arns = [
                pulumi.Output.concat(t.arn, "/index/", CUSTOMER_INDEX)
                for key, t in zip(spec.tables, tables, strict=True)
                if key == "users" and spec.customer_lookup
            ]
            parts.append(
                pulumi.Output.all(*arns, *index_arns).apply(
                    lambda resolved: iam.allow("Tables", _TABLE_READ + _TABLE_WRITE, resolved)
                )
            )
        secret_arns = []
        if spec.stripe:
            secret_arns.append(self._secrets.api_key_arn)
        if spec.webhook_secret:
            secret_arns.append(self._secrets.webhook_secret_arn)
        if secret_arns:
            parts.append(
                pulumi.Output.all(*secret_arns).apply(
                    lambda resolved: iam.allow(
                        "StripeSecrets", ["secretsmanager:GetSecretValue"], resolved
                    )  # fmt: skip
                )
            )
        if spec.manages_keys:
            parts.append(self._key_management_statement())
        if spec.cognito_attributes:
            parts.append(
                self._user_pool_arn.apply(
                    lambda arn: iam.allow(
                        "PlanAttributes",
                        ["cognito-idp:AdminUpdateUserAttributes"],
                        [arn],
                    )
                )
            )
        if spec.deletes_users:
            parts.append(
                self._user_pool_arn.apply(
                    lambda arn: iam.allow("DeleteUsers", ["cognito-idp:AdminDeleteUser"], [arn])
                )
            )
        return pulumi.Output.all(*parts).apply(list)

    def _key_management_statement(self) -> pulumi.Output[iam.Statement]:
        """Create, read, rotate and delete keys; move them between this stack's plans only."""
        ctx = self._context
        resources = [ctx.apigateway_arn("/apikeys"), ctx.apigateway_arn("/apikeys/*")]
        for plan_id in self._usage_plan_ids.values():
            resources.append(
                pulumi.Output.concat(ctx.apigateway_arn("/usageplans/"), plan_id, "/keys")
            )
            resources.append(
                pulumi.Output.concat(ctx.apigateway_arn("/usageplans/"), plan_id, "/keys/*")
            )
        return pulumi.Output.all(*resources).apply(
            lambda resolved: iam.allow(
                "ApiKeys",
                ["apigateway:GET", "apigateway:POST", "apigateway:DELETE"],
                resolved,
            )  # fmt: skip
        )

    def _environment(self, spec: FunctionSpec) -> dict[str, pulumi.Input[str]]:
        config = self._config
        env: dict[str, pulumi.Input[str]] = {
            "POWERTOOLS_SERVICE_NAME": f"api-sales-{spec.concern}",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "CORS_ALLOW_ORIGIN": self._web_base_url.apply(url_origin),
        }
        table_env = {
            "users": "USERS_TABLE",
            "checkout-sessions": "CHECKOUT_SESSIONS_TABLE",
            "stripe-events": "STRIPE_EVENTS_TABLE",
        }
        for table in spec.tables:
            env[table_env[table]] = self._data.tables[table].name
        if spec.manages_keys or spec.stripe:
            env["PLAN_CATALOG"] = self._plan_catalog
            env["GRACE_ON_PAST_DUE"] = "true" if config.grace_on_past_due else "false"
        if spec.cognito_attributes or spec.deletes_users:
            env["USER_POOL_ID"] = self._user_pool_id
        if spec.stripe:
            env["STRIPE_API_KEY_SECRET_ARN"] = self._secrets.api_key_arn
            env["WEB_BASE_URL"] = self._web_base_url
            if config.stripe_api_base:
                env["STRIPE_API_BASE"] = config.stripe_api_base
        if spec.portal:
            # The stack's portal configuration (a bpc_... id, not a secret).
            env["STRIPE_PORTAL_CONFIGURATION"] = self._portal_configuration_id
        if spec.webhook_secret:
            env["STRIPE_WEBHOOK_SECRET_ARN"] = self._secrets.webhook_secret_arn
        if spec.concern == PRODUCT:
            env["ALLOW_LOOPBACK_IMAP"] = "true" if config.allow_loopback_imap else "false"
        env.update(spec.extra_env)
        return env


def plan_catalog(config: StackConfig, usage_plan_ids: dict[str, pulumi.Output[str]]):
    """The ``PLAN_CATALOG`` JSON the handlers use to map prices and plans to usage plans."""
    names = [p.name for p in config.plans]

    def render(ids: list[str]) -> str:
        by_name = dict(zip(names, ids, strict=True))
        return json.dumps(
            {
                "default_plan": config.default_plan,
                "plans": [
                    {
                        "name": plan.name,
                        "usage_plan_id": by_name[plan.name],
                        "price_lookup_key": plan.price.lookup_key if plan.price else None,
                        "quota": {"limit": plan.quota_limit, "period": plan.quota_period},
                    }
                    for plan in config.plans
                ],
            },
            separators=(",", ":"),
        )

    return pulumi.Output.all(*(usage_plan_ids[n] for n in names)).apply(render)
