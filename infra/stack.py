"""The whole program: config in, components wired together, stack outputs out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from infra.api import Api
from infra.aws_context import AwsContext
from infra.config import StackConfig, load_config, url_origin
from infra.console import WebConsole, WebConsoleArgs
from infra.console_content import (
    OPENAPI_KEY,
    ConsoleContent,
    ConsoleContentArgs,
    console_settings,
)
from infra.console_edge import aws_connect_sources
from infra.data import Data
from infra.functions import (
    SWEEP,
    Functions,
    archive_sources,
    function_name,
    plan_catalog,
    sandbox_flag_keys,
)
from infra.identity import Identity, domain_prefix, hosted_ui_domain_name
from infra.monitoring import Monitoring, MonitoringArgs
from infra.naming import physical_name, qualified_stack_name
from infra.openapi import customer_document
from infra.packaging import LambdaArchive, build_function_archive, build_function_archives
from infra.previous_run import previous_stack_outputs
from infra.quota_mail import CONCERN as QUOTA_MAIL
from infra.quota_mail import HANDLER as QUOTA_MAIL_HANDLER
from infra.quota_mail import QuotaMail, QuotaMailArgs
from infra.routes import UPSTREAM, WEBHOOK, WEBHOOK_ROUTE, all_routes
from infra.sandbox_overlay import load_sandbox_overlay, switch_keys
from infra.schema_guard import (
    DEPLOYED_ATTRIBUTES_OUTPUT,
    guard_user_pool_schema,
    string_attribute_spec,
)
from infra.secrets import StripeSecrets
from infra.stripe_catalog import StripeCatalog, StripeCatalogArgs
from infra.sweep_schedule import SweepSchedule, SweepScheduleArgs
from infra.upstream_secret import UpstreamSecret, UpstreamSecretArgs

ROUTE_KEYS_OUTPUT = "routeKeys"  # read back next time: a removed route must be redeployed


@dataclass
class Stack:
    config: StackConfig
    identity: Identity
    data: Data
    secrets: StripeSecrets
    api: Api
    functions: Functions
    stripe: StripeCatalog
    console: WebConsole
    console_content: ConsoleContent
    web_base_url: pulumi.Output[str]
    monitoring: Monitoring
    sweep: SweepSchedule
    quota_mail: QuotaMail | None = None


def build_stack(
    config: StackConfig | None = None, archives: Mapping[str, LambdaArchive] | None = None
) -> Stack:
    """Declare every resource of the api-sales stack and export its outputs.

    ``archives`` (function -> archive) defaults to building one archive per deployed function.
    """
    product_flags = sandbox_flag_keys()
    config = config or load_config(switch_keys(product_flags))
    # Test-only switches; refused unless this stack's AWS endpoints are a loopback emulator.
    sandbox = load_sandbox_overlay(product_flags)
    context = AwsContext()
    routes = all_routes(config.upstream_url)
    concerns = sorted({route.function for route in routes})
    if config.upstream_url:  # the seller's API answers the product routes itself
        concerns.remove(UPSTREAM)
    functions_deployed = [*concerns, SWEEP]  # the sweep is scheduled, behind no route

    previous = previous_stack_outputs()
    # The guard's verdict is the pool's `schemas` input: a refused change fails the program
    # before the pool is registered, never after a replacement was planned.
    attributes = [string_attribute_spec(name) for name in config.user_attributes]
    schema = (
        guard_user_pool_schema(attributes, previous)
        if sandbox.schema_guard
        else pulumi.Output.from_input(attributes)
    )

    # The console before Cognito, the API, Stripe and the functions: they take its URL, it
    # takes nothing of theirs (the hosted UI's name is known before the pool exists).
    hosted_ui_domain = pulumi.Output.all(domain_prefix(config, context), context.region).apply(
        lambda parts: hosted_ui_domain_name(parts[0], parts[1])
    )
    console = WebConsole(
        "console",
        WebConsoleArgs(
            connect_sources=pulumi.Output.all(context.region, hosted_ui_domain).apply(
                lambda parts: aws_connect_sources(parts[0], parts[1])
            ),
            domain=config.console_domain,
        ),
    )
    web_base_url = (
        pulumi.Output.from_input(config.web_base_url_override)
        if config.web_base_url_override
        else console.url
    )

    identity = Identity("identity", config, context, schema, web_base_url=web_base_url)
    data = Data("data", config)
    upstream = (
        UpstreamSecret("upstream", UpstreamSecretArgs(config)) if config.upstream_url else None
    )
    api = Api(
        "api",
        config,
        context,
        routes,
        user_pool_arn=identity.user_pool_arn,
        function_invoke_arns={c: context.lambda_invoke_arn(function_name(c)) for c in concerns},
        web_origin=web_base_url.apply(url_origin),
        web_base_url=web_base_url,
        previous_route_keys=previous.apply(lambda outputs: (outputs or {}).get(ROUTE_KEYS_OUTPUT)),
        upstream_secret=upstream.value if upstream else None,
    )
    stripe = StripeCatalog(
        "stripe",
        StripeCatalogArgs(
            api_key=config.stripe_secret_key,
            plans=config.plans,
            business_name=config.business_name,
            portal_return_url=pulumi.Output.concat(web_base_url, "/upgrade"),
            webhook_url=api.webhook_url,
            stack_name=qualified_stack_name(),
        ),
    )
    # The endpoint's signing secret goes straight into Secrets Manager: nobody copies it.
    secrets = StripeSecrets("secrets", config, webhook_signing_secret=stripe.webhook_secret)
    functions = Functions(
        "functions",
        config,
        context,
        archives or build_function_archives(archive_sources(functions_deployed)),
        functions_deployed,
        data,
        secrets,
        user_pool_id=identity.user_pool_id,
        user_pool_arn=identity.user_pool_arn,
        usage_plan_ids=api.usage_plan_ids,
        api_execution_arn=api.execution_arn,
        web_base_url=web_base_url,
        stripe_portal_configuration_id=stripe.portal_configuration_id,
        sandbox=sandbox,
    )
    console_content = ConsoleContent(
        "console-files",
        ConsoleContentArgs(
            bucket=console.bucket.id,
            settings=console_settings(
                environment=pulumi.get_stack(),
                region=context.region,
                api_url=api.invoke_url,
                user_pool_id=identity.user_pool_id,
                web_client_id=identity.web_client_id,
                hosted_ui_url=identity.hosted_ui_url,
                hosted_ui_domain=identity.hosted_ui_domain,
                web_base_url=web_base_url,
                plans=config.plans,
                default_plan=config.default_plan,
                cancellation_policy=config.cancellation_policy,
            ),
            # The API reference names the deployed API as its server.
            documents={OPENAPI_KEY: api.invoke_url.apply(
                lambda url: json.dumps(
                    customer_document(url, config.plans, config.upstream_url,
                                      title=f"{config.business_name} API"),
                    indent=2,
                ) + "\n"
            )},
        ),
    )

    sweep = SweepSchedule(
        "sweep",
        SweepScheduleArgs(
            name_prefix=physical_name(),
            function_arn=functions.functions[SWEEP].arn,
            interval_minutes=config.sweep_interval_minutes,
            account_id=context.account_id,
        ),
    )

    quota_mail = None
    if config.quota_mail:  # the seller opted in (api-sales:quotaMail)
        quota_mail = QuotaMail("quota-mail", QuotaMailArgs(
            config=config.quota_mail,
            archive=(archives or {}).get(QUOTA_MAIL)
            or build_function_archive(QUOTA_MAIL, QUOTA_MAIL_HANDLER),
            context=context,
            users_table_name=data.tables["users"].name,
            users_table_arn=data.tables["users"].arn,
            user_pool_id=identity.user_pool_id,
            user_pool_arn=identity.user_pool_arn,
            usage_plan_ids=api.usage_plan_ids,
            plan_catalog=plan_catalog(config, api.usage_plan_ids),
            web_base_url=web_base_url,
            function_name=function_name(QUOTA_MAIL),
            log_retention_days=config.log_retention_days,
        ))  # fmt: skip
    function_names = {c: f.name for c, f in functions.functions.items()}
    if quota_mail:
        function_names[QUOTA_MAIL] = quota_mail.function.name

    monitoring = Monitoring(
        "monitoring",
        MonitoringArgs(
            name_prefix=physical_name(),
            alarms=config.alarms,
            alarm_emails=config.alarm_emails,
            account_id=context.account_id,
            region=context.region,
            metrics_service=physical_name(),  # one stack's figures apart from another's
            function_names=function_names,
            webhook_concern=WEBHOOK,
            table_names={k: t.name for k, t in data.tables.items()},
            api_name=api.rest_api.name,
            stage_name=api.stage.stage_name,
            webhook_method=WEBHOOK_ROUTE.method,
            webhook_resource=WEBHOOK_ROUTE.path,
            sweep_interval_minutes=config.sweep_interval_minutes,
        ),
    )

    pulumi.export("apiUrl", api.invoke_url)
    pulumi.export("webhookUrl", api.webhook_url)
    pulumi.export("userPoolId", identity.user_pool_id)
    pulumi.export("webClientId", identity.web_client_id)
    pulumi.export("hostedUiDomain", identity.hosted_ui_domain)
    pulumi.export("hostedUiUrl", identity.hosted_ui_url)
    pulumi.export("usagePlanIds", api.usage_plan_ids)
    pulumi.export("stripePortalConfigurationId", stripe.portal_configuration_id)
    pulumi.export("stripeWebhookEndpointId", stripe.webhook.id)
    pulumi.export("consoleUrl", web_base_url)
    pulumi.export("consoleBucket", console.bucket.bucket)
    pulumi.export("consoleDistributionId", console.distribution.id)
    pulumi.export("alarmTopicArn", monitoring.topic.arn)
    pulumi.export("dashboardName", monitoring.dashboard.dashboard_name)
    pulumi.export("sweepFunctionName", functions.functions[SWEEP].name)
    pulumi.export("sweepScheduleName", sweep.schedule.name)
    pulumi.export(DEPLOYED_ATTRIBUTES_OUTPUT, schema)
    pulumi.export(ROUTE_KEYS_OUTPUT, api.route_keys)
    if upstream:
        pulumi.export("upstreamSecretArn", upstream.arn)
    return Stack(config, identity, data, secrets, api, functions, stripe, console,
                 console_content, web_base_url, monitoring, sweep, quota_mail)  # fmt: skip
