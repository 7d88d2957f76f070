"""The whole program: config in, components wired together, stack outputs out."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.api import Api
from infra.aws_context import AwsContext
from infra.config import StackConfig, load_config
from infra.data import Data
from infra.functions import Functions, function_name
from infra.identity import Identity
from infra.monitoring import Monitoring, MonitoringArgs
from infra.naming import physical_name, qualified_stack_name
from infra.packaging import LambdaArchive, build_lambda_archive
from infra.routes import PRODUCT, WEBHOOK, WEBHOOK_ROUTE, all_routes
from infra.schema_guard import DEPLOYED_ATTRIBUTES_OUTPUT, guard_user_pool_schema
from infra.secrets import StripeSecrets
from infra.stripe_catalog import StripeCatalog, StripeCatalogArgs


@dataclass
class Stack:
    config: StackConfig
    identity: Identity
    data: Data
    secrets: StripeSecrets
    api: Api
    functions: Functions
    stripe: StripeCatalog
    monitoring: Monitoring


def build_stack(config: StackConfig | None = None, archive: LambdaArchive | None = None) -> Stack:
    """Declare every resource of the api-sales stack and export its outputs."""
    config = config or load_config()
    context = AwsContext()
    routes = all_routes(config.upstream_url)
    concerns = sorted({route.function for route in routes})
    if config.upstream_url:  # the seller's API answers the product routes itself
        concerns.remove(PRODUCT)

    identity = Identity("identity", config)
    data = Data("data", config)
    api = Api(
        "api",
        config,
        context,
        routes,
        user_pool_arn=identity.user_pool_arn,
        function_invoke_arns={c: context.lambda_invoke_arn(function_name(c)) for c in concerns},
    )
    stripe = StripeCatalog(
        "stripe",
        StripeCatalogArgs(
            api_key=config.stripe_secret_key,
            plans=config.plans,
            business_name=config.business_name,
            portal_return_url=f"{config.web_base_url}/upgrade",
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
        archive or build_lambda_archive(),
        concerns,
        data,
        secrets,
        user_pool_id=identity.user_pool_id,
        user_pool_arn=identity.user_pool_arn,
        usage_plan_ids=api.usage_plan_ids,
        api_execution_arn=api.execution_arn,
        stripe_portal_configuration_id=stripe.portal_configuration_id,
    )

    monitoring = Monitoring(
        "monitoring",
        MonitoringArgs(
            name_prefix=physical_name(),
            alarms=config.alarms,
            alarm_emails=config.alarm_emails,
            account_id=context.account_id,
            region=context.region,
            metrics_service=physical_name(),  # one stack's figures apart from another's
            function_names={c: f.name for c, f in functions.functions.items()},
            webhook_concern=WEBHOOK,
            table_names={k: t.name for k, t in data.tables.items()},
            api_name=api.rest_api.name,
            stage_name=api.stage.stage_name,
            webhook_method=WEBHOOK_ROUTE.method,
            webhook_resource=WEBHOOK_ROUTE.path,
            sweep_interval_minutes=None,  # the reconciliation sweep sets its schedule here
            tags=config.tags,
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
    attributes = (
        guard_user_pool_schema(config.user_attributes)
        if config.schema_guard
        else list(config.user_attributes)
    )
    pulumi.export(DEPLOYED_ATTRIBUTES_OUTPUT, attributes)
    pulumi.export("alarmTopicArn", monitoring.topic.arn)
    pulumi.export("dashboardName", monitoring.dashboard.dashboard_name)
    return Stack(config, identity, data, secrets, api, functions, stripe, monitoring)
