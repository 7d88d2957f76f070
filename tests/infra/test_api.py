"""API Gateway: every route guarded as DESIGN.md says, plans metered, changes deployed."""

import json

from infra import request_contract
from tests.infra.harness import run_program

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"

ACCOUNT_ROUTES = [
    "GET /account", "GET /account/api-key", "GET /account/usage", "POST /account/api-key",
    "POST /account/api-key/rotate", "POST /billing/checkout",
    "GET /billing/checkout/{session_id}", "POST /billing/portal", "DELETE /account",
]  # fmt: skip
PRODUCT_ROUTES = ["POST /v1/mail/messages", "POST /v1/mail/attachment", "POST /v1/mail/mailboxes"]


def _methods(run):
    return {m.name: m.inputs for m in run.of_type(METHOD)}


def test_account_routes_require_a_cognito_token(dev_run):
    methods = _methods(dev_run)
    authorizer = dev_run.of_type("aws:apigateway/authorizer:Authorizer")[0]
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    for route in ACCOUNT_ROUTES:
        assert methods[route]["authorization"] == "COGNITO_USER_POOLS", route
        assert methods[route]["authorizerId"] == authorizer.id, route
        assert not methods[route].get("apiKeyRequired"), route


def test_product_routes_require_an_api_key(dev_run):
    methods = _methods(dev_run)
    for route in PRODUCT_ROUTES:
        assert methods[route]["apiKeyRequired"] is True, route


def test_only_the_webhook_and_preflights_are_open(dev_run):
    open_methods = [
        name
        for name, m in _methods(dev_run).items()
        if m["authorization"] == "NONE" and not m.get("apiKeyRequired")
    ]
    assert sorted(n for n in open_methods if not n.startswith("OPTIONS ")) == [
        "POST /stripe/webhook"
    ]


def test_lambda_routes_use_proxy_integrations_to_the_right_function(dev_run):
    integrations = {i.name: i.inputs for i in dev_run.of_type(INTEGRATION)}
    assert integrations["POST /stripe/webhook"]["type"] == "AWS_PROXY"
    assert integrations["POST /stripe/webhook"]["uri"].endswith(
        ":function:api-sales-dev-webhook/invocations"
    )
    assert integrations["GET /account"]["uri"].endswith(
        ":function:api-sales-dev-account/invocations"
    )
    assert integrations["POST /billing/portal"]["uri"].endswith("billing/invocations")
    assert integrations["POST /v1/mail/messages"]["uri"].endswith("product/invocations")
    assert integrations["OPTIONS /account"]["type"] == "MOCK"


def test_one_usage_plan_per_configured_plan_with_quota_and_throttle(dev_run):
    plans = {p.inputs["name"]: p.inputs for p in dev_run.of_type(USAGE_PLAN)}
    assert plans["api-sales-dev-FREE"]["quotaSettings"] == {"limit": 1000, "period": "MONTH"}
    assert plans["api-sales-dev-PRO"]["quotaSettings"] == {"limit": 100000, "period": "MONTH"}
    assert plans["api-sales-dev-FREE"]["throttleSettings"] == {"rateLimit": 5, "burstLimit": 10}
    stage = dev_run.of_type("aws:apigateway/stage:Stage")[0]
    for plan in plans.values():
        assert plan["apiStages"] == [{"apiId": "api-id", "stage": stage.inputs["stageName"]}]


def test_a_third_plan_is_a_config_change_only():
    plans = [
        {"name": "FREE", "quota": {"limit": 1000, "period": "MONTH"},
         "throttle": {"rateLimit": 5, "burstLimit": 10}},
        {"name": "PRO", "quota": {"limit": 100000, "period": "MONTH"},
         "throttle": {"rateLimit": 50, "burstLimit": 100},
         "price": {"lookupKey": "FMMailPro", "unitAmount": 980, "currency": "jpy"}},
        {"name": "TEAM", "quota": {"limit": 1000000, "period": "MONTH"},
         "throttle": {"rateLimit": 200, "burstLimit": 400},
         "price": {"lookupKey": "FMMailTeam", "unitAmount": 4980, "currency": "jpy"}},
    ]  # fmt: skip
    run = run_program({"plans": plans})
    names = sorted(p.inputs["name"] for p in run.of_type(USAGE_PLAN))
    assert names == ["api-sales-dev-FREE", "api-sales-dev-PRO", "api-sales-dev-TEAM"]
    billing = run.named("aws:lambda/function:Function", "functions-billing")
    catalog = json.loads(billing.inputs["environment"]["variables"]["PLAN_CATALOG"])
    team = next(p for p in catalog["plans"] if p["name"] == "TEAM")
    assert team == {
        "name": "TEAM", "usage_plan_id": "api-plan-team-id", "price_lookup_key": "FMMailTeam",
        "quota": {"limit": 1000000, "period": "MONTH"},
    }  # fmt: skip


def test_stage_has_throttling_and_no_body_logging(dev_run):
    stage = dev_run.of_type("aws:apigateway/stage:Stage")[0].inputs
    assert stage["stageName"] == "api"
    settings = dev_run.of_type("aws:apigateway/methodSettings:MethodSettings")[0].inputs
    assert settings["methodPath"] == "*/*"
    assert settings["settings"]["throttlingRateLimit"] == 100
    assert settings["settings"]["throttlingBurstLimit"] == 200
    assert settings["settings"]["dataTraceEnabled"] is False


def _gateway_responses(run) -> dict[str, dict]:
    return {r.inputs["responseType"]: r.inputs for r in run.of_type(
        "aws:apigateway/response:Response")}  # fmt: skip


MESSAGE_STRING = "$context.error.messageString"  # AWS substitutes a quoted JSON string
VALIDATION_ERROR_STRING = "$context.error.validationErrorString"  # AWS substitutes bare text


def _rendered(response: dict, message: str = "Forbidden", detail: str = "") -> dict:
    """The body API Gateway renders from the template (what a caller reads): the message
    as a quoted string, the validator's detail as it is."""
    template = response["responseTemplates"]["application/json"]
    return json.loads(template.replace(MESSAGE_STRING, json.dumps(message))
                      .replace(VALIDATION_ERROR_STRING, detail))  # fmt: skip


def test_gateway_errors_use_the_handlers_error_shape(dev_run):
    responses = _gateway_responses(dev_run)
    for response_type, response in responses.items():
        body = _rendered(response)
        assert set(body) == {"error"}, response_type
        assert {"code", "message"} <= set(body["error"]), response_type
        assert body["error"]["code"] == body["error"]["code"].lower(), response_type
        # Literal text only: nothing API Gateway could read as a template directive.
        template = response["responseTemplates"]["application/json"]
        literal = template.replace(MESSAGE_STRING, "").replace(VALIDATION_ERROR_STRING, "")
        assert "#" not in literal and "$" not in literal, response_type
    # The catch-alls keep API Gateway's own message (e.g. a missing path parameter).
    assert _rendered(responses["DEFAULT_4XX"], "Missing required request parameters: [q]")[
        "error"] == {"code": "bad_request", "message": "Missing required request parameters: [q]"}


def test_a_body_refused_at_the_gateway_says_what_the_validator_found(dev_run):
    response = _gateway_responses(dev_run)["BAD_REQUEST_BODY"]
    assert "statusCode" not in response or response["statusCode"] is None  # AWS's own 400
    # A detail as the validator might word it, its quotes escaped (AWS documents no format).
    detail = r'[object has missing required properties ([\"imap\"])]'
    assert _rendered(response, detail=detail)["error"] == {
        "code": "bad_request",
        "message": 'Invalid request body: [object has missing required properties (["imap"])]'}
    # The detail is substituted inside the message's quotes, never as a bare JSON value.
    template = response["responseTemplates"]["application/json"]
    assert f': {VALIDATION_ERROR_STRING}"' in template and MESSAGE_STRING not in template
    # CORS as every other gateway response: the console reads it.
    header = "gatewayresponse.header.Access-Control-Allow-Origin"
    assert response["responseParameters"][header] == f"'{dev_run.exports['consoleUrl']}'"


def test_an_unknown_route_is_404_not_found_not_missing_authentication_token(dev_run):
    responses = _gateway_responses(dev_run)
    for response_type in ("MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND"):
        assert responses[response_type]["statusCode"] == "404"
        error = _rendered(responses[response_type])["error"]
        assert error["code"] == "not_found" and "no such route" in error["message"]
    # A Cognito route without a token is UNAUTHORIZED (401), never the 404 above.
    unauthorized = _rendered(responses["UNAUTHORIZED"])["error"]
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert unauthorized["code"] == "unauthorized"


def test_no_method_uses_iam_authorization(dev_run):
    # MISSING_AUTHENTICATION_TOKEN then only means "no such route" (docs/handlers.md).
    authorizations = {m["authorization"] for m in _methods(dev_run).values()}
    assert authorizations <= {"NONE", "COGNITO_USER_POOLS"}


def test_a_missing_or_invalid_key_says_to_send_it_in_x_api_key(dev_run):
    response = _gateway_responses(dev_run)["INVALID_API_KEY"]
    assert response["statusCode"] == "403"
    error = _rendered(response)["error"]
    assert error["code"] == "invalid_api_key" and "x-api-key" in error["message"]


def test_quota_exhausted_and_throttled_are_two_different_429s(dev_run):
    responses = _gateway_responses(dev_run)
    quota = _rendered(responses["QUOTA_EXCEEDED"])["error"]
    throttled = _rendered(responses["THROTTLED"])["error"]
    for response_type in ("QUOTA_EXCEEDED", "THROTTLED"):
        assert responses[response_type]["statusCode"] == "429"
    assert quota["code"] == "quota_exceeded" and throttled["code"] == "throttled"
    # {webBaseUrl}/upgrade: the console's own URL when webBaseUrl is not set.
    assert quota["upgrade_url"] == dev_run.exports["consoleUrl"] + "/upgrade"
    assert "upgrade_url" not in throttled and "retry" in throttled["message"]
    retry_after = "gatewayresponse.header.Retry-After"
    assert responses["THROTTLED"]["responseParameters"][retry_after] == "'1'"
    assert retry_after not in responses["QUOTA_EXCEEDED"]["responseParameters"]


def test_every_gateway_response_lets_the_console_read_it(dev_run):
    header = "gatewayresponse.header.Access-Control-Allow-Origin"
    for response in _gateway_responses(dev_run).values():
        assert response["responseParameters"][header] == f"'{dev_run.exports['consoleUrl']}'"


def test_the_upgrade_url_follows_the_web_base_url():
    run = run_program({"webBaseUrl": "https://portal.example.org/console"})
    quota = _rendered(_gateway_responses(run)["QUOTA_EXCEEDED"])["error"]
    assert quota["upgrade_url"] == "https://portal.example.org/console/upgrade"


def _redeployment(run) -> str:
    return run.of_type(DEPLOYMENT)[0].inputs["triggers"]["redeployment"]


def test_deployment_hash_is_stable_and_follows_route_changes(dev_run, monkeypatch):
    assert _redeployment(run_program()) == _redeployment(dev_run)

    import infra.routes as routes

    changed = routes.plugin_routes() + (routes.Route("POST", "/v1/mail/search", routes.Auth.API_KEY,
                                                     "product"),)  # fmt: skip
    monkeypatch.setattr(routes, "plugin_routes", lambda: changed)
    run = run_program()
    assert "POST /v1/mail/search" in _methods(run)
    assert _redeployment(run) != _redeployment(dev_run)


def test_deployment_waits_for_every_method_and_integration(dev_run):
    # The mock sees no dependencies, but every method/integration must exist before the
    # hash-named deployment snapshot is taken; check the program passes them all.
    deployment = dev_run.of_type(DEPLOYMENT)[0]
    assert deployment.inputs["restApi"] == "api-id"


def test_upstream_url_proxies_product_routes_without_a_product_function():
    run = run_program({"upstreamUrl": "https://api.seller.example/"})
    methods = _methods(run)
    assert not [m for m in methods if m.startswith("POST /v1/mail")]
    assert methods["ANY /v1/{proxy+}"]["apiKeyRequired"] is True
    integration = run.named(INTEGRATION, "ANY /v1/{proxy+}").inputs
    assert integration["type"] == "HTTP_PROXY"
    assert integration["uri"] == "https://api.seller.example/{proxy}"
    functions = {f.name for f in run.of_type("aws:lambda/function:Function")}
    # No product function; the scheduled sweep stays (it serves the seller's plans too).
    assert functions == {"functions-account", "functions-billing", "functions-webhook",
                         "functions-sweep"}


MODEL = "aws:apigateway/model:Model"
VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"
CONTRACT = request_contract.load()  # the core's operations and every product's


def test_every_method_has_a_request_validator_and_required_bodies_a_model(dev_run):
    validators = {v.id: v.inputs for v in dev_run.of_type(VALIDATOR)}
    models = {m.inputs["name"]: m.inputs for m in dev_run.of_type(MODEL)}
    for name, method in _methods(dev_run).items():
        if name.startswith("OPTIONS "):
            continue
        validator = validators[method["requestValidatorId"]]
        assert validator["validateRequestParameters"] is True, name
        body = (CONTRACT["operations"].get(name) or {}).get("body") or {}
        if body.get("required"):
            assert validator["validateRequestBody"] is True, name
            model = models[method["requestModels"]["application/json"]]
            assert model["contentType"] == "application/json"
            schema = json.loads(model["schema"])
            assert schema.pop("$schema") == "http://json-schema.org/draft-04/schema#"
            schema.pop("title")
            assert schema == body["schema"], name  # the contract's schema, unchanged
        else:
            # API Gateway would refuse an absent optional body against a model.
            assert not method.get("requestModels"), name
            assert validator["validateRequestBody"] is False, name
    assert sorted(models) == [
        "DeleteAccount", "PostV1MailAttachment", "PostV1MailMailboxes", "PostV1MailMessages",
    ]  # fmt: skip


def test_path_parameters_are_required_at_the_gateway(dev_run):
    methods = _methods(dev_run)
    assert methods["GET /billing/checkout/{session_id}"]["requestParameters"] == {
        "method.request.path.session_id": True
    }
    assert not methods["POST /billing/checkout"].get("requestParameters")


def test_every_contract_operation_is_a_route_and_every_body_route_has_an_operation(dev_run):
    routes = {n for n in _methods(dev_run) if not n.startswith("OPTIONS ")}
    assert set(CONTRACT["operations"]) == routes - {"POST /stripe/webhook"}


def test_a_changed_request_schema_redeploys_the_api(monkeypatch):
    from infra import api, request_contract

    routes = ()
    before = api.deployment_hash(routes, _Config(), {}, "https://app.example.test")
    changed = json.loads(json.dumps(CONTRACT))
    changed["operations"]["POST /v1/mail/messages"]["body"]["schema"]["properties"]["limit"][
        "maximum"] = 500
    monkeypatch.setattr(request_contract, "load", lambda: changed)
    assert api.deployment_hash(routes, _Config(), {}, "https://app.example.test") != before


class _Config:  # the StackConfig field deployment_hash reads
    upstream_url = None
