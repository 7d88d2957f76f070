"""API Gateway: the REST API, its guards, one stage, and one usage plan per plan."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi
import pulumi_aws as aws

from infra import iam, request_contract
from infra.aws_context import AwsContext
from infra.config import StackConfig
from infra.naming import physical_name
from infra.routes import Auth, Route, path_prefixes
from infra.upstream_secret import UPSTREAM_SECRET_HEADER


@dataclass(frozen=True)
class GatewayError:
    """An error API Gateway answers itself, in the handlers' shape ``{"error": {code, message}}``.

    ``message`` None passes API Gateway's own message through (the catch-all types).
    """

    code: str
    message: str | None
    status: int | None = None  # None keeps API Gateway's own status for the type
    retry_after_s: int | None = None  # a static Retry-After header
    upgrade_link: bool = False  # adds "upgrade_url": "{webBaseUrl}/upgrade"
    validation_detail: bool = False  # "message" ends with what the request validator refused


# AWS: $context.error.messageString is "the quoted value of $context.error.message";
# $context.error.validationErrorString is "a string containing a detailed validation error
# message", not described as quoted, so the template quotes it. A gateway response template
# is simple substitution, not VTL (no $util.escapeJavaScript): docs/input-boundary.md.
MESSAGE_STRING = "$context.error.messageString"
VALIDATION_ERROR_STRING = "$context.error.validationErrorString"


# Response types (docs/handlers.md, "Gateway errors", has what each covers and the sources).
# This API has no IAM-authorised method, so MISSING_AUTHENTICATION_TOKEN only answers a
# path or method that does not exist; a Cognito route without a token is UNAUTHORIZED.
_NO_SUCH_ROUTE = "no such route or method; check the path and the HTTP method"
GATEWAY_RESPONSES: dict[str, GatewayError] = {
    "DEFAULT_4XX": GatewayError("bad_request", None),
    # A body the method's model refuses: say what the validator found (which field, and why).
    "BAD_REQUEST_BODY": GatewayError("bad_request", "Invalid request body",
                                     validation_detail=True),
    "DEFAULT_5XX": GatewayError("unavailable", "the API could not answer; try again shortly"),
    "MISSING_AUTHENTICATION_TOKEN": GatewayError("not_found", _NO_SUCH_ROUTE, 404),
    "RESOURCE_NOT_FOUND": GatewayError("not_found", _NO_SUCH_ROUTE, 404),
    "UNAUTHORIZED": GatewayError("unauthorized", "missing or invalid token; sign in again", 401),
    # A missing key, an unknown one and one on no plan of this stage are all INVALID_API_KEY.
    "INVALID_API_KEY": GatewayError(
        "invalid_api_key",
        "missing or invalid API key: send your key in the x-api-key header "
        "(your account page shows it)",
        403,
    ),
    "QUOTA_EXCEEDED": GatewayError(
        "quota_exceeded",
        "your plan's quota for this period is used up; it resets when the period ends "
        "(your account page shows when), or upgrade for a larger quota",
        429,
        upgrade_link=True,
    ),
    "THROTTLED": GatewayError(
        "throttled",
        "too many requests per second (a rate limit, not the quota); retry shortly, with backoff",
        429,
        retry_after_s=1,
    ),
}


def gateway_error_template(error: GatewayError, web_base_url: str) -> str:
    """The ``application/json`` template of one gateway response (literal text is JSON-quoted)."""
    if error.message is None:
        message = MESSAGE_STRING
    elif error.validation_detail:
        # "<message>: <detail>" as one JSON string: the literal part escaped, the variable
        # inside the closing quote.
        message = json.dumps(error.message + ": ")[:-1] + VALIDATION_ERROR_STRING + '"'
    else:
        message = json.dumps(error.message)
    fields = [f'"code": {json.dumps(error.code)}', f'"message": {message}']
    if error.upgrade_link:
        fields.append(f'"upgrade_url": {json.dumps(web_base_url.rstrip("/") + "/upgrade")}')
    return '{"error": {' + ", ".join(fields) + "}}"


def gateway_response_definitions(web_base_url: str, origin: str) -> dict[str, dict[str, Any]]:
    """Every gateway response as API Gateway is given it (and as the deployment hash sees it)."""
    return {
        response_type: {
            "status": error.status,
            "template": gateway_error_template(error, web_base_url),
            "parameters": gateway_response_parameters(origin, error.retry_after_s),
        }
        for response_type, error in GATEWAY_RESPONSES.items()
    }


_ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "apiKeyId": "$context.identity.apiKeyId",
        "user": "$context.authorizer.claims.cognito:username",
        "errorType": "$context.error.responseType",
        "integrationLatency": "$context.integrationLatency",
    },
    separators=(",", ":"),
)
_CORS_ALLOW_HEADERS = "Authorization,Content-Type,X-Api-Key"
class _IntegrationTarget(TypedDict, total=False):
    """What differs between a Lambda route's integration and a pass-through to the upstream."""

    type: str
    integration_http_method: str
    uri: pulumi.Input[str]
    request_parameters: Mapping[str, pulumi.Input[str]]


_AUTHORIZER = {
    "type": "COGNITO_USER_POOLS",
    "identity_source": "method.request.header.Authorization",
}
# What API Gateway itself writes to CloudWatch Logs (execution and access logs).
_API_GATEWAY_LOG_ACTIONS = [
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
]


class Api(pulumi.ComponentResource):
    """REST API wired to the functions by :mod:`infra.routes`."""

    rest_api: aws.apigateway.RestApi
    stage: aws.apigateway.Stage
    usage_plans: dict[str, aws.apigateway.UsagePlan]
    usage_plan_ids: dict[str, pulumi.Output[str]]  # plan name -> usage plan id
    invoke_url: pulumi.Output[str]
    execution_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        config: StackConfig,
        context: AwsContext,
        routes: tuple[Route, ...],
        user_pool_arn: pulumi.Input[str],
        function_invoke_arns: Mapping[str, pulumi.Input[str]],
        web_origin: pulumi.Input[str],  # the console's origin, the only one CORS allows
        web_base_url: pulumi.Input[str] | None = None,  # error bodies link {it}/upgrade
        previous_route_keys: pulumi.Input[list[str] | None] = None,
        upstream_secret: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``previous_route_keys``: the ``routeKeys`` of the last update (removed routes);
        ``upstream_secret``: the header value the upstream checks (with ``upstreamUrl``)."""
        super().__init__("api-sales:api:Api", name, None, opts)
        self._upstream_secret = upstream_secret
        child = pulumi.ResourceOptions(parent=self)
        self.rest_api = aws.apigateway.RestApi(
            name,
            name=physical_name(),
            description="api-sales: accounts, billing, Stripe webhook and the product API",
            endpoint_configuration={"types": "REGIONAL"},
            opts=child,
        )
        api_id = self.rest_api.id
        authorizer = aws.apigateway.Authorizer(
            f"{name}-cognito",
            rest_api=api_id,
            provider_arns=[user_pool_arn],
            opts=child,
            type=_AUTHORIZER["type"],
            identity_source=_AUTHORIZER["identity_source"],
        )

        resource_ids = self._resources(name, routes)
        validators = self._request_validators(name)
        wired: list[pulumi.Resource] = list(validators.values())
        for route in routes:
            wired += self._route(route, resource_ids[route.path], authorizer, config,
                                 function_invoke_arns, validators)  # fmt: skip
        for path in sorted({r.path for r in routes if r.auth is Auth.COGNITO}):
            wired += self._cors_preflight(path, resource_ids[path], web_origin)
        web_base = pulumi.Output.from_input(web_base_url if web_base_url is not None
                                            else web_origin)  # fmt: skip
        definitions = pulumi.Output.all(web_base, web_origin).apply(
            lambda resolved: gateway_response_definitions(resolved[0], resolved[1])
        )
        for response_type in GATEWAY_RESPONSES:
            wired.append(self._gateway_response(name, response_type, definitions))

        # Any change to a route, guard or integration yields a new hash, so a new Deployment
        # reaches the stage; without it API Gateway keeps serving the old snapshot.
        self.route_keys = [route.resource_name for route in routes]
        triggers = pulumi.Output.all(
            arns=pulumi.Output.all(**dict(sorted(function_invoke_arns.items()))),
            user_pool_arn=user_pool_arn,
            cors_origin=web_origin,
            web_base_url=web_base,
            previous=previous_route_keys,
            upstream_secret=upstream_secret,
        ).apply(
            lambda resolved: {
                "redeployment": deployment_hash(
                    routes,
                    config,
                    resolved["arns"],
                    cors_origin=resolved["cors_origin"],
                    web_base_url=resolved["web_base_url"],
                    user_pool_arn=resolved["user_pool_arn"],
                    retired_routes=retired_routes(resolved["previous"], self.route_keys),
                    upstream_secret=resolved["upstream_secret"],
                )
            }
        )
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=api_id,
            triggers=triggers,
            opts=pulumi.ResourceOptions(parent=self, depends_on=wired),
        )

        account = (
            self._cloudwatch_account(name, context) if config.manage_api_gateway_account else None
        )
        # API Gateway refuses access (and execution) logging until the account-wide
        # CloudWatch role is set: a stack that neither sets it nor is told it is set by
        # `accessLogs` must not ask for logs, or the stage cannot be created.
        access_log_settings: aws.apigateway.StageAccessLogSettingsArgsDict | None = None
        if config.access_logs:
            access_logs = aws.cloudwatch.LogGroup(
                f"{name}-access-logs",
                name=f"/aws/apigateway/{physical_name()}",
                retention_in_days=config.log_retention_days,
                opts=child,
            )
            access_log_settings = {"destination_arn": access_logs.arn, "format": _ACCESS_LOG_FORMAT}
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=api_id,
            deployment=deployment.id,
            stage_name=config.stage_name,
            xray_tracing_enabled=True,
            access_log_settings=access_log_settings,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account] if account else []),
        )
        aws.apigateway.MethodSettings(
            f"{name}-stage-settings",
            rest_api=api_id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings={
                "throttling_rate_limit": config.stage_rate_limit,
                "throttling_burst_limit": config.stage_burst_limit,
                "metrics_enabled": True,
                "logging_level": "ERROR" if config.access_logs else "OFF",
                # Never log request/response bodies: they carry tokens and IMAP passwords.
                "data_trace_enabled": False,
            },
            opts=child,
        )

        self.usage_plans = {
            plan.name: aws.apigateway.UsagePlan(
                f"{name}-plan-{plan.name.lower()}",
                name=physical_name(plan.name),
                description=f"{plan.name}: {plan.quota_limit} calls a {plan.quota_period.lower()}",
                api_stages=[{"api_id": api_id, "stage": self.stage.stage_name}],
                quota_settings={"limit": plan.quota_limit, "period": plan.quota_period},
                throttle_settings={"rate_limit": plan.rate_limit, "burst_limit": plan.burst_limit},
                opts=child,
            )
            for plan in config.plans
        }
        self.usage_plan_ids = {name: plan.id for name, plan in self.usage_plans.items()}
        self.invoke_url = self.stage.invoke_url
        self.execution_arn = self.rest_api.execution_arn
        self.webhook_url = pulumi.Output.concat(self.stage.invoke_url, "/stripe/webhook")
        self.register_outputs(
            {
                "invoke_url": self.invoke_url,
                "webhook_url": self.webhook_url,
                "usage_plan_ids": self.usage_plan_ids,
            }
        )

    def _resources(self, name: str, routes: tuple[Route, ...]) -> dict[str, pulumi.Output[str]]:
        ids: dict[str, pulumi.Output[str]] = {"/": self.rest_api.root_resource_id}
        for path in path_prefixes(routes):
            parent_path, _, part = path.rpartition("/")
            ids[path] = aws.apigateway.Resource(
                f"{name}-resource{path}",
                rest_api=self.rest_api.id,
                parent_id=ids[parent_path or "/"],
                path_part=part,
                opts=pulumi.ResourceOptions(parent=self),
            ).id
        return ids

    def _route(
        self,
        route: Route,
        resource_id: pulumi.Output[str],
        authorizer: aws.apigateway.Authorizer,
        config: StackConfig,
        function_invoke_arns: Mapping[str, pulumi.Input[str]],
        validators: Mapping[bool, aws.apigateway.RequestValidator],
    ) -> list[pulumi.Resource]:
        child = pulumi.ResourceOptions(parent=self)
        upstream = config.upstream_url if route.auth is Auth.API_KEY else None
        # The request contract: a required body is validated against its model here, path
        # parameters must be present; the Lambda boundary checks everything again in full.
        body_schema = request_contract.gated_body_schema(route.method, route.path)
        model = None
        if body_schema is not None:
            model = aws.apigateway.Model(
                f"{route.resource_name} model",
                rest_api=self.rest_api.id,
                name=body_schema["title"],
                content_type="application/json",
                schema=json.dumps(body_schema, sort_keys=True),
                opts=child,
            )
        parameters = request_contract.path_parameters(route.path)
        method = aws.apigateway.Method(
            route.resource_name,
            rest_api=self.rest_api.id,
            resource_id=resource_id,
            http_method=route.method,
            authorization="COGNITO_USER_POOLS" if route.auth is Auth.COGNITO else "NONE",
            authorizer_id=authorizer.id if route.auth is Auth.COGNITO else None,
            api_key_required=route.auth is Auth.API_KEY,
            request_parameters={f"method.request.path.{p}": True for p in parameters} or None,
            request_models={"application/json": model.name} if model else None,
            request_validator_id=validators[model is not None].id,
            opts=child,
        )
        target: _IntegrationTarget
        if upstream:
            target = {
                "type": "HTTP_PROXY",
                "integration_http_method": "ANY",
                "uri": f"{upstream}/{{proxy}}",
                "request_parameters": upstream_request_parameters(self._upstream_secret),
            }
        else:
            target = {
                "type": "AWS_PROXY",
                "integration_http_method": "POST",  # Lambda is always invoked with POST
                "uri": function_invoke_arns[route.function],
            }
        integration = aws.apigateway.Integration(
            route.resource_name,
            rest_api=self.rest_api.id,
            resource_id=resource_id,
            http_method=method.http_method,
            opts=child,
            **target,
        )
        return [method, integration, *([model] if model else [])]

    def _request_validators(self, name: str) -> dict[bool, aws.apigateway.RequestValidator]:
        """Keyed by "does it validate the body": every method gets one of the two."""
        return {
            validate_body: aws.apigateway.RequestValidator(
                f"{name}-validate-{label}",
                rest_api=self.rest_api.id,
                name=label,
                validate_request_body=validate_body,
                validate_request_parameters=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
            for validate_body, label in ((True, "body-and-parameters"), (False, "parameters"))
        }

    def _cors_preflight(
        self, path: str, resource_id: pulumi.Output[str], origin: pulumi.Input[str]
    ) -> list[pulumi.Resource]:
        """OPTIONS answered by API Gateway itself, so browsers may call the account routes."""
        child = pulumi.ResourceOptions(parent=self)
        name = f"OPTIONS {path}"
        # The origin is an Output (the console's distribution): the header names are not.
        values = pulumi.Output.from_input(origin).apply(cors_headers)
        headers = {header: values[header] for header in cors_headers("")}
        method = aws.apigateway.Method(
            name, rest_api=self.rest_api.id, resource_id=resource_id, http_method="OPTIONS",
            authorization="NONE", opts=child,
        )  # fmt: skip
        integration = aws.apigateway.Integration(
            name, rest_api=self.rest_api.id, resource_id=resource_id,
            http_method=method.http_method, type="MOCK",
            request_templates={"application/json": '{"statusCode": 200}'}, opts=child,
        )  # fmt: skip
        method_response = aws.apigateway.MethodResponse(
            name, rest_api=self.rest_api.id, resource_id=resource_id,
            http_method=method.http_method, status_code="200",
            response_parameters={f"method.response.header.{h}": True for h in headers},
            opts=child,
        )  # fmt: skip
        integration_response = aws.apigateway.IntegrationResponse(
            name, rest_api=self.rest_api.id, resource_id=resource_id,
            http_method=method.http_method, status_code=method_response.status_code,
            response_parameters={f"method.response.header.{h}": v for h, v in headers.items()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[integration]),
        )  # fmt: skip
        return [method, integration, method_response, integration_response]

    def _gateway_response(
        self, name: str, response_type: str, definitions: pulumi.Output[dict[str, Any]]
    ) -> aws.apigateway.Response:
        status = GATEWAY_RESPONSES[response_type].status  # known now: not an Output
        mine = definitions.apply(lambda all_types: all_types[response_type])
        return aws.apigateway.Response(
            f"{name}-{response_type.lower().replace('_', '-')}",
            rest_api_id=self.rest_api.id,
            response_type=response_type,
            status_code=str(status) if status else None,
            response_templates=mine.apply(lambda d: {"application/json": d["template"]}),
            response_parameters=mine.apply(lambda d: d["parameters"]),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _cloudwatch_account(self, name: str, context: AwsContext) -> aws.apigateway.Account:
        """The account-wide role API Gateway needs before a stage may write logs.

        One setting per account and region, shared by every API in it: destroying this
        stack must not switch logging off for the others, so the role, its policy and the
        setting are left in place on delete (retain_on_delete).
        """
        retained = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = aws.iam.Role(
            f"{name}-cloudwatch",
            assume_role_policy=iam.assume_role_policy("apigateway.amazonaws.com"),
            opts=retained,
        )
        aws.iam.RolePolicy(
            f"{name}-cloudwatch",
            role=role.id,
            policy=iam.policy_document(
                context.logs_arn("*").apply(
                    lambda logs_arn: [
                        iam.allow("ApiGatewayLogs", _API_GATEWAY_LOG_ACTIONS, [logs_arn])
                    ]
                )
            ),
            opts=pulumi.ResourceOptions(parent=role, retain_on_delete=True),
        )
        return aws.apigateway.Account(
            f"{name}-account",
            cloudwatch_role_arn=role.arn,
            opts=retained,
        )


def cors_headers(origin: str) -> dict[str, str]:
    """The preflight's answer headers, as API Gateway mapping values (quoted literals)."""
    return {
        "Access-Control-Allow-Origin": f"'{origin}'",
        "Access-Control-Allow-Methods": "'GET,POST,DELETE,OPTIONS'",
        "Access-Control-Allow-Headers": f"'{_CORS_ALLOW_HEADERS}'",
        "Access-Control-Max-Age": "'600'",
    }


def gateway_response_parameters(origin: str, retry_after_s: int | None = None) -> dict[str, str]:
    """Header mappings of a gateway response (static values are quoted literals)."""
    parameters = {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{origin}'"}
    if retry_after_s is not None:
        parameters["gatewayresponse.header.Retry-After"] = f"'{retry_after_s}'"
    return parameters


def upstream_request_parameters(secret: pulumi.Input[str] | None) -> dict[str, pulumi.Input[str]]:
    """Path passed through; the gateway's secret sent as a static header (quoted literal)."""
    parameters: dict[str, pulumi.Input[str]] = {
        "integration.request.path.proxy": "method.request.path.proxy"
    }
    if secret is not None:
        parameters[f"integration.request.header.{UPSTREAM_SECRET_HEADER}"] = pulumi.Output.concat(
            "'", secret, "'"
        )
    return parameters


def retired_routes(previous: list[str] | None, current: list[str]) -> list[str]:
    """Routes the last update served that this one does not declare."""
    return sorted(set(previous or ()) - set(current))


def deployment_hash(
    routes: tuple[Route, ...],
    config: StackConfig,
    invoke_arns: Mapping[str, str],
    cors_origin: str,
    user_pool_arn: str | None = None,
    web_base_url: str | None = None,
    retired_routes: list[str] | None = None,
    upstream_secret: str | None = None,
) -> str:
    """Hash of everything that shapes the deployed API.

    Routes and their guards, integrations, the authorizer, CORS preflights and the console
    origin they allow, gateway responses (with the upgrade URL they carry), the upstream and
    its secret header.
    ``retired_routes``: a Deployment is a snapshot taken while the engine has not yet deleted
    a removed route's method (deletes come last in an update), so the removal is in the hash
    of the update that removes it *and* its absence in the next one, which snapshots the API
    without it.
    """
    definition = {
        "routes": [[r.method, r.path, r.auth.value, r.function] for r in routes],
        "retired_routes": retired_routes or [],
        "integrations": dict(sorted(invoke_arns.items())),
        "authorizer": {**_AUTHORIZER, "provider_arns": [user_pool_arn]},
        "upstream": config.upstream_url,
        "upstream_secret_header": UPSTREAM_SECRET_HEADER if upstream_secret else None,
        # The value itself is hashed so a rotated secret is redeployed, never written out.
        "upstream_secret": (
            hashlib.sha256(upstream_secret.encode()).hexdigest() if upstream_secret else None
        ),
        "cors": cors_headers(cors_origin),
        "gateway_responses": gateway_response_definitions(web_base_url or cors_origin, cors_origin),
        "request_contract": request_contract.load(),
    }
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
