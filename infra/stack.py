"""The whole program: config in, components wired together, stack outputs out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from infra.api import Api
from infra.aws_context import AwsContext
from infra.config import StackConfig, load_config
from infra.data import Data
from infra.functions import FUNCTION_SPECS, Functions, function_name
from infra.identity import Identity
from infra.naming import qualified_stack_name
from infra.packaging import LambdaArchive, build_function_archives
from infra.routes import PRODUCT, all_routes
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


def build_stack(
    config: StackConfig | None = None, archives: Mapping[str, LambdaArchive] | None = None
) -> Stack:
    """Declare every resource of the api-sales stack and export its outputs.

    ``archives`` (function -> archive) defaults to building one archive per deployed function.
    """
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
        archives or build_function_archives({c: FUNCTION_SPECS[c].handler for c in concerns}),
        concerns,
        data,
        secrets,
        user_pool_id=identity.user_pool_id,
        user_pool_arn=identity.user_pool_arn,
        usage_plan_ids=api.usage_plan_ids,
        api_execution_arn=api.execution_arn,
        stripe_portal_configuration_id=stripe.portal_configuration_id,
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
    return Stack(config, identity, data, secrets, api, functions, stripe)
