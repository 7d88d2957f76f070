"""API Gateway: every route guarded as DESIGN.md says, plans metered, changes deployed."""

import json
from pathlib import Path

from tests.infra.harness import run_program

METHOD = "aws:apigateway/method:Method"
INTEGRATION = "aws:apigateway/integration:Integration"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
DEPLOYMENT = "aws:apigateway/deployment:Deployment"

ACCOUNT_ROUTES = [
    "GET /account", "GET /account/api-key", "POST /account/api-key",
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


def test_gateway_errors_use_the_project_error_shape(dev_run):
    responses = {r.inputs["responseType"]: r.inputs for r in dev_run.of_type(
        "aws:apigateway/response:Response")}  # fmt: skip
    assert responses["QUOTA_EXCEEDED"]["statusCode"] == "429"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert '"error"' in responses["DEFAULT_4XX"]["responseTemplates"]["application/json"]


def _redeployment(run) -> str:
    return run.of_type(DEPLOYMENT)[0].inputs["triggers"]["redeployment"]


def test_deployment_hash_is_stable_and_follows_route_changes(dev_run, monkeypatch):
    assert _redeployment(run_program()) == _redeployment(dev_run)

    import infra.routes as routes

    changed = routes.FM_MAIL_ROUTES + (routes.Route("POST", "/v1/mail/search", routes.Auth.API_KEY,
                                                     routes.PRODUCT),)  # fmt: skip
    monkeypatch.setattr(routes, "FM_MAIL_ROUTES", changed)
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
    assert functions == {"functions-account", "functions-billing", "functions-webhook"}


MODEL = "aws:apigateway/model:Model"
VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"
CONTRACT = json.loads(
    (Path(__file__).resolve().parents[2] / "handlers/apisales/contract/requests.json").read_text()
)


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
