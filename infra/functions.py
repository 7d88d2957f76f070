"""Lambda functions, one per concern, each with its own least-privilege role."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra import iam
from infra.aws_context import AwsContext
from infra.config import StackConfig, url_origin
from infra.data import CUSTOMER_INDEX, Data
from infra.metric_vocabulary import vocabulary
from infra.naming import physical_name
from infra.packaging import ArchiveSource, LambdaArchive
from infra.products import Product, discover_products
from infra.routes import ACCOUNT, BILLING, WEBHOOK
from infra.sandbox_overlay import SandboxOverlay
from infra.secrets import StripeSecrets

RUNTIME = "python3.12"
ARCHITECTURE = "arm64"
FUNCTION_NAME_MAX = 64  # Lambda's limit on a function name
# API Gateway gives up on an integration after 29 s (and answers 504); a function still
# running then is billed for nothing, so a product's function must finish before
# (infra.products refuses a longer timeout).
API_GATEWAY_INTEGRATION_TIMEOUT_S = 29
# The reconciliation sweep: run by EventBridge Scheduler, not by the API. It stops itself
# SWEEP_STOP_MARGIN_S before its timeout with its cursor stored (domain/sweep.py), and its
# lease outlives the timeout, so two runs never sweep at once.
SWEEP = "sweep"
SWEEP_TIMEOUT_S = 300
SWEEP_CONCURRENCY = 4  # customers synced at once

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
    reads_usage: bool = False  # GetUsage of this stack's usage plans (the account's usage page)
    cognito_attributes: bool = False  # writes custom:plan_type / custom:stripe_customer_id
    scans_users: bool = False  # walks the whole users table (the sweep)
    invoked_by_api: bool = True  # False: no API Gateway permission (a scheduled function)
    deletes_users: bool = False  # DELETE /account: AdminDeleteUser on the stack's pool
    extra_env: dict[str, str] = field(default_factory=dict)
    # A product's function (docs/products.md): env name -> sandbox-only switch
    # (infra/sandbox_overlay.py), its own requirements file and its runtime package's folder.
    sandbox_flags: dict[str, str] = field(default_factory=dict)
    requirements: Path | None = None
    source_root: Path | None = None

    @property
    def archive_source(self) -> ArchiveSource:
        return ArchiveSource(self.handler, self.requirements, self.source_root)


FUNCTION_SPECS: dict[str, FunctionSpec] = {
    ACCOUNT: FunctionSpec(
        ACCOUNT, "apisales.routes.account.lambda_handler", "Account and API key routes",
        tables=("users",), manages_keys=True, reads_usage=True,
    ),
    BILLING: FunctionSpec(
        BILLING, "apisales.routes.billing.lambda_handler", "Stripe Checkout and portal routes",
        # customer_lookup: the status route applies the ownership rule (domain/ownership.py),
        # which asks the users GSI who else the session's customer is bound to.
        timeout_s=20, tables=("users", "checkout-sessions"), stripe=True, portal=True,
        customer_lookup=True, manages_keys=True, cognito_attributes=True, deletes_users=True,
    ),
    WEBHOOK: FunctionSpec(
        WEBHOOK, "apisales.routes.webhook.lambda_handler", "Signed Stripe webhooks",
        timeout_s=20, tables=("users", "checkout-sessions", "stripe-events"), stripe=True,
        customer_lookup=True, webhook_secret=True, manages_keys=True, cognito_attributes=True,
    ),
    SWEEP: FunctionSpec(
        SWEEP, "apisales.routes.sweep.lambda_handler", "Reconciliation sweep: Stripe to keys",
        timeout_s=SWEEP_TIMEOUT_S, tables=("users", "sweep-state"), stripe=True,
        customer_lookup=True, manages_keys=True, cognito_attributes=True, scans_users=True,
        invoked_by_api=False, extra_env={"SWEEP_CONCURRENCY": str(SWEEP_CONCURRENCY)},
    ),
}  # fmt: skip


def product_function_specs(products: tuple[Product, ...]) -> dict[str, FunctionSpec]:
    """The functions the product plug-ins declare: no table, secret or key of the core."""
    return {
        function.name: FunctionSpec(
            function.name, function.handler, function.description,
            memory_mb=function.memory_mb, timeout_s=function.timeout_s,
            extra_env=dict(function.environment), sandbox_flags=dict(function.sandbox_flags),
            requirements=function.requirements, source_root=product.root,
        )
        for product in products
        for function in product.functions
    }  # fmt: skip


def sandbox_flag_keys() -> set[str]:
    """The sandbox-only switches every function's product declares (``sandbox_flags``)."""
    return {key for spec in all_function_specs().values() for key in spec.sandbox_flags.values()}


def all_function_specs(products_dir: Path | None = None) -> dict[str, FunctionSpec]:
    """The core's functions and every product's, by name (a clash is refused)."""
    products = product_function_specs(discover_products(products_dir))
    if clash := sorted(set(products) & set(FUNCTION_SPECS)):
        raise ValueError(f"a product declares a function the core has: {', '.join(clash)}")
    return {**FUNCTION_SPECS, **products}


def archive_sources(concerns: list[str] | None = None) -> dict[str, ArchiveSource]:
    """What to build each function's archive from (all functions, or ``concerns``)."""
    specs = all_function_specs()
    return {c: specs[c].archive_source for c in (specs if concerns is None else concerns)}


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
        sandbox: SandboxOverlay | None = None,  # test-only switches; None: a real stack's
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("api-sales:functions:Functions", name, None, opts)
        self._sandbox = sandbox or SandboxOverlay()
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
        specs = all_function_specs()
        self.functions = {}
        for concern in concerns:
            spec = specs[concern]
            function = self._function(name, spec)
            self.functions[concern] = function
            if not spec.invoked_by_api:
                continue  # its invoker (the schedule) grants itself through its own role
            aws.lambda_.Permission(
                f"{name}-{concern}-from-api",
                action="lambda:InvokeFunction",
                function=function.name,
                principal="apigateway.amazonaws.com",
                # Any stage and method of this API only, not of every API in the account.
                source_arn=pulumi.Output.concat(api_execution_arn, "/*/*"),
                opts=pulumi.ResourceOptions(parent=function),
            )
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
        parts: list[pulumi.Output[iam.Statement]] = [
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
        if spec.scans_users:
            # The users table itself, not its index: the sweep reads every user's record.
            parts.append(self._data.users.arn.apply(
                lambda arn: iam.allow("ScanUsers", ["dynamodb:Scan"], [arn])))
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
        if spec.reads_usage:
            parts.append(self._usage_statement())
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

    def _usage_statement(self) -> pulumi.Output[iam.Statement]:
        """GetUsage (``GET /usageplans/{id}/usage``) of this stack's plans only."""
        usage_plans = self._context.apigateway_arn("/usageplans/")
        resources = [
            pulumi.Output.concat(usage_plans, plan_id, "/usage")
            for plan_id in self._usage_plan_ids.values()
        ]
        return pulumi.Output.all(*resources).apply(
            lambda resolved: iam.allow("UsageOfPlans", ["apigateway:GET"], resolved)
        )

    def _environment(self, spec: FunctionSpec) -> dict[str, pulumi.Input[str]]:
        config = self._config
        metrics = vocabulary()
        env: dict[str, pulumi.Input[str]] = {
            "POWERTOOLS_SERVICE_NAME": f"api-sales-{spec.concern}",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # Business metrics: one namespace, and the stack's name as their `service`.
            "POWERTOOLS_METRICS_NAMESPACE": metrics.NAMESPACE,
            metrics.SERVICE_ENV: physical_name(),
            # An answer may hold an API key's value: never copy responses into traces.
            "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
            "CORS_ALLOW_ORIGIN": self._web_base_url.apply(url_origin),
        }
        table_env = {
            "users": "USERS_TABLE",
            "checkout-sessions": "CHECKOUT_SESSIONS_TABLE",
            "stripe-events": "STRIPE_EVENTS_TABLE",
            "sweep-state": "SWEEP_STATE_TABLE",
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
            if self._sandbox.stripe_api_base:
                env["STRIPE_API_BASE"] = self._sandbox.stripe_api_base
        if spec.portal:
            # The stack's portal configuration (a bpc_... id, not a secret).
            env["STRIPE_PORTAL_CONFIGURATION"] = self._portal_configuration_id
        if spec.webhook_secret:
            env["STRIPE_WEBHOOK_SECRET_ARN"] = self._secrets.webhook_secret_arn
        if spec.concern == SWEEP:
            env["SWEEP_STRIPE_READS_PER_SECOND"] = f"{config.sweep_stripe_reads_per_second:g}"
        env.update(spec.extra_env)
        for variable, key in spec.sandbox_flags.items():
            env[variable] = "true" if self._sandbox.flag(key) else "false"
        return env


def plan_catalog(
    config: StackConfig, usage_plan_ids: dict[str, pulumi.Output[str]]
) -> pulumi.Output[str]:
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
