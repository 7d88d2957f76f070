"""API Gateway (REST) resources: API, authorizer, routes, gateway responses, stage, plans."""

from __future__ import annotations

from typing import Any

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none

Created = tuple[str, dict[str, Any]]

# aws.apigateway.MethodSettings `settings` keys -> UpdateStage patch paths under a method path.
_METHOD_SETTING_PATHS = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}


def invoke_url(ctx: DeployContext, api_id: str, stage: str) -> str:
    """ministack's path-style invoke URL ``.../restapis/<id>/<stage>/_user_request_``."""
    return f"{ctx.endpoint_url}/restapis/{api_id}/{stage}/_user_request_"


def rest_api(ctx: DeployContext, name: str, inputs: dict) -> Created:
    client = ctx.client("apigateway")
    types = (inputs.get("endpointConfiguration") or {}).get("types") or "REGIONAL"
    created = client.create_rest_api(**drop_none(
        name=inputs.get("name") or ctx.physical_name(name),
        description=inputs.get("description"),
        endpointConfiguration={"types": [types] if isinstance(types, str) else list(types)},
        tags=inputs.get("tags"),
    ))  # fmt: skip
    api_id = created["id"]
    root_id = created.get("rootResourceId") or next(
        item["id"] for item in client.get_resources(restApiId=api_id)["items"]
        if item["path"] == "/"
    )  # fmt: skip
    return api_id, {
        "rootResourceId": root_id,
        "executionArn": ctx.arn("execute-api", api_id),
        "arn": ctx.arn("apigateway", f"/restapis/{api_id}", account=False),
        "createdDate": str(created.get("createdDate", "")),
    }


def authorizer(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("apigateway").create_authorizer(**drop_none(
        restApiId=inputs["restApi"],
        name=inputs.get("name") or name,
        type=inputs["type"],
        providerARNs=inputs.get("providerArns"),
        identitySource=inputs.get("identitySource"),
        authorizerUri=inputs.get("authorizerUri"),
        authorizerResultTtlInSeconds=as_int(inputs.get("authorizerResultTtlInSeconds")),
    ))  # fmt: skip
    api = inputs["restApi"]
    return created["id"], {
        "arn": ctx.arn("apigateway", f"/restapis/{api}/authorizers/{created['id']}", account=False)
    }


def resource(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("apigateway").create_resource(
        restApiId=inputs["restApi"], parentId=inputs["parentId"], pathPart=inputs["pathPart"]
    )
    return created["id"], {"path": created.get("path", "")}


def _method_target(inputs: dict) -> dict[str, str]:
    """The (API, resource, verb) triple every method-level API Gateway call is addressed to."""
    return {
        "restApiId": inputs["restApi"],
        "resourceId": inputs["resourceId"],
        "httpMethod": inputs["httpMethod"],
    }


def _method_id(prefix: str, inputs: dict, *extra: str) -> str:
    return "-".join([prefix, *_method_target(inputs).values(), *extra])


def method(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("apigateway").put_method(**drop_none(
        **_method_target(inputs),
        authorizationType=inputs.get("authorization", "NONE"),
        authorizerId=inputs.get("authorizerId"),
        apiKeyRequired=bool(inputs.get("apiKeyRequired", False)),
        requestParameters=inputs.get("requestParameters"),
        requestModels=inputs.get("requestModels"),
        requestValidatorId=inputs.get("requestValidatorId"),
        authorizationScopes=inputs.get("authorizationScopes"),
    ))  # fmt: skip
    return _method_id("agm", inputs), {}


def model(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("apigateway").create_model(**drop_none(
        restApiId=inputs["restApi"],
        name=inputs["name"],
        contentType=inputs["contentType"],
        schema=inputs.get("schema"),
        description=inputs.get("description"),
    ))  # fmt: skip
    return created["id"], {}


def request_validator(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("apigateway").create_request_validator(
        restApiId=inputs["restApi"],
        name=inputs.get("name") or name,
        validateRequestBody=bool(inputs.get("validateRequestBody", False)),
        validateRequestParameters=bool(inputs.get("validateRequestParameters", False)),
    )
    return created["id"], {}


def integration(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("apigateway").put_integration(**drop_none(
        **_method_target(inputs),
        type=inputs["type"],
        integrationHttpMethod=inputs.get("integrationHttpMethod"),
        uri=inputs.get("uri"),
        requestTemplates=inputs.get("requestTemplates"),
        requestParameters=inputs.get("requestParameters"),
        passthroughBehavior=inputs.get("passthroughBehavior"),
        timeoutInMillis=as_int(inputs.get("timeoutMilliseconds")),
    ))  # fmt: skip
    return _method_id("agi", inputs), {}


def method_response(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("apigateway").put_method_response(**drop_none(
        **_method_target(inputs),
        statusCode=inputs["statusCode"],
        responseParameters=inputs.get("responseParameters"),
        responseModels=inputs.get("responseModels"),
    ))  # fmt: skip
    return _method_id("agmr", inputs, inputs["statusCode"]), {}


def integration_response(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("apigateway").put_integration_response(**drop_none(
        **_method_target(inputs),
        statusCode=inputs["statusCode"],
        selectionPattern=inputs.get("selectionPattern"),
        responseParameters=inputs.get("responseParameters"),
        responseTemplates=inputs.get("responseTemplates"),
    ))  # fmt: skip
    return _method_id("agir", inputs, inputs["statusCode"]), {}


def gateway_response(ctx: DeployContext, name: str, inputs: dict) -> Created:
    ctx.client("apigateway").put_gateway_response(**drop_none(
        restApiId=inputs["restApiId"],
        responseType=inputs["responseType"],
        statusCode=inputs.get("statusCode"),
        responseParameters=inputs.get("responseParameters"),
        responseTemplates=inputs.get("responseTemplates"),
    ))  # fmt: skip
    return f"aggr-{inputs['restApiId']}-{inputs['responseType']}", {}


def deployment(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("apigateway").create_deployment(
        **drop_none(restApiId=inputs["restApi"], description=inputs.get("description"))
    )
    return created["id"], {"createdDate": str(created.get("createdDate", ""))}


def stage(ctx: DeployContext, name: str, inputs: dict) -> Created:
    client = ctx.client("apigateway")
    api_id, stage_name = inputs["restApi"], inputs["stageName"]
    client.create_stage(**drop_none(
        restApiId=api_id,
        stageName=stage_name,
        deploymentId=inputs["deployment"],
        description=inputs.get("description"),
        tracingEnabled=bool(inputs.get("xrayTracingEnabled", False)),
        variables=inputs.get("variables"),
        tags=inputs.get("tags"),
    ))  # fmt: skip
    logs = inputs.get("accessLogSettings") or {}
    if logs:
        client.update_stage(restApiId=api_id, stageName=stage_name, patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn",
             "value": logs["destinationArn"]},
            {"op": "replace", "path": "/accessLogSettings/format", "value": logs["format"]},
        ])  # fmt: skip
    return f"ags-{api_id}-{stage_name}", {
        "invokeUrl": invoke_url(ctx, api_id, stage_name),
        "executionArn": ctx.arn("execute-api", f"{api_id}/{stage_name}"),
        "arn": ctx.arn("apigateway", f"/restapis/{api_id}/stages/{stage_name}", account=False),
    }


def method_settings(ctx: DeployContext, name: str, inputs: dict) -> Created:
    api_id, stage_name, method_path = inputs["restApi"], inputs["stageName"], inputs["methodPath"]
    operations = [
        {"op": "replace", "path": f"/{method_path}/{_METHOD_SETTING_PATHS[key]}",
         "value": str(value).lower() if isinstance(value, bool) else _number(value)}
        for key, value in (inputs.get("settings") or {}).items()
        if value is not None and key in _METHOD_SETTING_PATHS
    ]  # fmt: skip
    ctx.client("apigateway").update_stage(
        restApiId=api_id, stageName=stage_name, patchOperations=operations
    )
    return f"{api_id}-{stage_name}-{method_path}", {}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def usage_plan(ctx: DeployContext, name: str, inputs: dict) -> Created:
    quota = inputs.get("quotaSettings") or {}
    throttle = inputs.get("throttleSettings") or {}
    created = ctx.client("apigateway").create_usage_plan(**drop_none(
        name=inputs.get("name") or ctx.physical_name(name),
        description=inputs.get("description"),
        apiStages=[{"apiId": s["apiId"], "stage": s["stage"]}
                   for s in inputs.get("apiStages") or []],
        quota=drop_none(limit=as_int(quota.get("limit")), period=quota.get("period"),
                        offset=as_int(quota.get("offset"))) if quota else None,
        throttle=drop_none(burstLimit=as_int(throttle.get("burstLimit")),
                           rateLimit=throttle.get("rateLimit")) if throttle else None,
        tags=inputs.get("tags"),
    ))  # fmt: skip
    plan_id = created["id"]
    return plan_id, {"arn": ctx.arn("apigateway", f"/usageplans/{plan_id}", account=False)}


def account(ctx: DeployContext, name: str, inputs: dict) -> Created:
    role_arn = inputs.get("cloudwatchRoleArn")
    if role_arn:
        ctx.client("apigateway").update_account(
            patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role_arn}]
        )
    return "api-gateway-account", {}
