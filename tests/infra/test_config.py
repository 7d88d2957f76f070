"""A bad config stops the program with a message that names the key."""

import copy
import json

import pulumi
import pytest

from infra.config import ConfigError, load_config
from sandbox import program_runner
from tests.infra.harness import DELETE, TEST_SECRETS, dev_config, run_program


def _plans():
    return copy.deepcopy(dev_config()["api-sales:plans"])


def _with_plans(mutate):
    plans = _plans()
    mutate(plans)
    return {"plans": plans}


@pytest.mark.parametrize(
    ("override", "key"),
    [
        (_with_plans(lambda p: p[0].pop("quota")), "api-sales:plans[0].quota"),
        (_with_plans(lambda p: p[1]["quota"].update(limit=-5)), "api-sales:plans[1].quota.limit"),
        (_with_plans(lambda p: p[1]["quota"].update(limit=0)), "api-sales:plans[1].quota.limit"),
        (
            _with_plans(lambda p: p[0]["quota"].update(period="YEAR")),
            "api-sales:plans[0].quota.period",
        ),
        (
            _with_plans(lambda p: p[0]["throttle"].update(rateLimit=-1)),
            "api-sales:plans[0].throttle.rateLimit",
        ),
        (_with_plans(lambda p: p[0].pop("throttle")), "api-sales:plans[0].throttle"),
        (
            _with_plans(lambda p: p[1]["price"].pop("lookupKey")),
            "api-sales:plans[1].price.lookupKey",
        ),
        (_with_plans(lambda p: p[1].update(paid=True, price=None)), "api-sales:plans[1].price"),
        (
            _with_plans(lambda p: p[1]["price"].update(unitAmount=-980)),
            "api-sales:plans[1].price.unitAmount",
        ),
        (_with_plans(lambda p: p[1].update(name="FREE")), "api-sales:plans[1].name"),
        (_with_plans(lambda p: p[1].update(name="pro plan")), "api-sales:plans[1].name"),
        ({"plans": []}, "api-sales:plans"),
        ({"plans": DELETE}, "api-sales:plans"),
        ({"defaultPlan": "PRO"}, "api-sales:defaultPlan"),
        ({"defaultPlan": "GOLD"}, "api-sales:defaultPlan"),
        ({"webBaseUrl": "ftp://example.com"}, "api-sales:webBaseUrl"),
        ({"webBaseUrl": "http://app.example.com"}, "api-sales:webBaseUrl"),
        ({"upstreamUrl": "http://insecure.example.com"}, "api-sales:upstreamUrl"),
        ({"stageThrottle": {"rateLimit": 0}}, "api-sales:stageThrottle.rateLimit"),
        ({"graceOnPastDue": "maybe"}, "api-sales:graceOnPastDue"),
        ({"logRetentionDays": "a month"}, "api-sales:logRetentionDays"),
        ({"logRetentionDays": "45"}, "api-sales:logRetentionDays"),  # CloudWatch refuses it
        ({"extraUserAttributes": ["Plan Type"]}, "api-sales:extraUserAttributes[0]"),
        ({"extraUserAttributes": ["plan_type"]}, "api-sales:extraUserAttributes[0]"),
        ({"stageName": "v1"}, "api-sales:stageName"),
        ({"secretRecoveryWindowDays": "3"}, "api-sales:secretRecoveryWindowDays"),
        ({"secretRecoveryWindowDays": "31"}, "api-sales:secretRecoveryWindowDays"),
        ({"userPoolTier": "FREE"}, "api-sales:userPoolTier"),
        ({"sesEmail": {"from": "a@example.com"}}, "api-sales:sesEmail.sourceArn"),
        (
            {"sesEmail": {"sourceArn": "arn:aws:sns:us-east-1:123456789012:x"}},
            "api-sales:sesEmail.sourceArn",
        ),
        ({"cancellationPolicy": "  "}, "api-sales:cancellationPolicy"),
        ({"cancellationPolicy": "x" * 501}, "api-sales:cancellationPolicy"),
        ({"cancellationPolicy": {}}, "api-sales:cancellationPolicy"),
        ({"cancellationPolicy": {"en": ""}}, "api-sales:cancellationPolicy.en"),
        ({"cancellationPolicy": {"English": "None."}}, "api-sales:cancellationPolicy.English"),
        ({"cancellationPolicy": {"ja": ["返金なし"]}}, "api-sales:cancellationPolicy.ja"),
    ],
)
def test_bad_config_names_the_key(override, key):
    with pytest.raises(ConfigError) as error:
        run_program(override)
    assert str(error.value).startswith(f"{key}: "), str(error.value)


def test_missing_stripe_secret_key_names_the_key():
    with pytest.raises(Exception, match="api-sales:stripeSecretKey"):
        run_program({"stripeSecretKey": DELETE})


def test_localhost_console_may_use_http():
    run = run_program({"webBaseUrl": "http://localhost:8080"})
    client = run.of_type("aws:cognito/userPoolClient:UserPoolClient")[0]
    assert client.inputs["callbackUrls"] == ["http://localhost:8080/auth/callback"]


def test_the_local_stack_file_builds_for_ministack():
    run = run_program(stack="local")
    client = run.of_type("aws:cognito/userPoolClient:UserPoolClient")[0]
    assert client.inputs["callbackUrls"] == ["http://localhost:8080/auth/callback"]
    billing = run.named("aws:lambda/function:Function", "functions-billing")
    assert billing.inputs["environment"]["variables"]["STRIPE_API_BASE"] == "http://127.0.0.1:12111"
    assert not [r for r in run if r.protect]


def test_a_mistyped_key_is_refused_by_name_with_the_key_it_resembles():
    with pytest.raises(ConfigError, match=r"^api-sales:gracOnPastDue: .*graceOnPastDue\?"):
        run_program({"gracOnPastDue": "false"})
    with pytest.raises(ConfigError, match=r"^api-sales:plans\[0\]\.quota\.limt: .*limit\?"):
        run_program(_with_plans(lambda p: p[0]["quota"].update(limt=5)))


def _as_pulumi_up_hands_it_over(monkeypatch, **overrides) -> None:
    """`pulumi up`'s language host passes the stack's config as the PULUMI_CONFIG JSON."""
    values = {**dev_config(), **{f"api-sales:{k}": v for k, v in TEST_SECRETS.items()},
              **{f"api-sales:{k}": v for k, v in overrides.items()}}  # fmt: skip
    pulumi.runtime.set_all_config({})
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(program_runner.config_values(values)))


def test_keys_from_the_pulumi_config_environment_are_checked_too(monkeypatch):
    _as_pulumi_up_hands_it_over(monkeypatch, gracOnPastDue="false")
    with pytest.raises(ConfigError, match=r"^api-sales:gracOnPastDue: "):
        load_config()
    _as_pulumi_up_hands_it_over(monkeypatch, graceOnPastDue="false", logRetentionDays="14")
    config = load_config()
    assert (config.grace_on_past_due, config.log_retention_days) == (False, 14)  # from strings
    assert [p.name for p in config.plans] == ["FREE", "PRO"]


def test_the_stripe_key_is_a_secret_output_and_no_field(monkeypatch):
    _as_pulumi_up_hands_it_over(monkeypatch)
    config = load_config()
    secret = TEST_SECRETS["stripeSecretKey"]
    assert secret not in repr(config) and secret not in config.model_dump_json()
    assert isinstance(config.stripe_secret_key, pulumi.Output)
    assert program_runner.wait(config.stripe_secret_key.is_secret())


@pytest.mark.parametrize(("override", "message"), [
    (_with_plans(lambda p: p[1]["quota"].update(limit=-5)),
     "api-sales:plans[1].quota.limit: must be a positive integer (got -5)"),
    (_with_plans(lambda p: p[0]["quota"].update(limit="1000")),  # quoted in YAML: a string
     "api-sales:plans[0].quota.limit: must be a valid integer (got '1000')"),
    ({"userPoolTier": "FREE"},
     "api-sales:userPoolTier: must be 'LITE', 'ESSENTIALS' or 'PLUS' (got 'FREE')"),
    ({"stageThrottle": {"rateLimt": 3}},
     "api-sales:stageThrottle.rateLimt: is not a setting here (did you mean rateLimit?)"),
])  # fmt: skip
def test_the_seller_reads_the_key_the_problem_and_the_value(override, message):
    with pytest.raises(ConfigError) as error:
        run_program(override)
    assert str(error.value) == message
