"""The Stripe side of the program: catalogue, portal, webhook endpoint and its secret, all
through the explicit provider, from nothing but the plans config and ``stripeSecretKey``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import stripe

from apisales.routes.webhook import HANDLED_TYPES
from infra.stripe_catalog import STRIPE_API_VERSION, WEBHOOK_EVENTS
from tests.infra.harness import (
    DISTRIBUTION_DOMAIN,
    MOCK_WEBHOOK_SECRET,
    TEST_SECRETS,
    ProgramRun,
    dev_config,
    is_secret,
    run_program,
)

PROVIDER = "pulumi:providers:stripe"
PRODUCT = "stripe:index/product:Product"
PRICE = "stripe:index/price:Price"
PORTAL = "stripe:index/portalConfiguration:PortalConfiguration"
WEBHOOK = "stripe:index/webhookEndpoint:WebhookEndpoint"
SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
# The webhook function's own requirements pin the SDK whose API version the endpoint uses.
HANDLERS_REQUIREMENTS = Path(__file__).resolve().parents[2] / "handlers/requirements/webhook.txt"


def _webhook_function_env(run: ProgramRun, concern: str) -> dict[str, str]:
    function = run.named("aws:lambda/function:Function", f"functions-{concern}")
    return function.inputs["environment"]["variables"]


def test_the_dev_stack_needs_only_the_stripe_secret_key() -> None:
    # The harness sets no other secret: building at all proves no other one is required.
    assert set(TEST_SECRETS) == {"stripeSecretKey"}
    assert not any("stripeWebhookSecret" in key for key in dev_config())


def test_one_product_and_recurring_price_per_paid_plan(dev_run: ProgramRun) -> None:
    [product] = dev_run.of_type(PRODUCT)
    assert product.inputs["name"] == "FM Mail PRO"
    assert product.inputs["metadata"]["plan"] == "PRO"
    [price] = dev_run.of_type(PRICE)
    assert price.inputs["product"] == product.id
    assert price.inputs["lookupKey"] == "FMMailPro"
    assert price.inputs["transferLookupKey"] is True
    assert price.inputs["unitAmount"] == 980
    assert price.inputs["currency"] == "jpy"
    assert price.inputs["recurring"] == {"interval": "month"}
    # What the webhook function falls back on once a replaced price has lost its lookup key.
    assert price.inputs["metadata"]["plan"] == "PRO"


def test_a_changed_price_is_a_new_price_that_takes_the_lookup_key(dev_run: ProgramRun) -> None:
    """Stripe prices are immutable: a change of amount, currency, interval or product must
    replace the price (created first, key transferred) rather than edit it."""
    [price] = dev_run.of_type(PRICE)
    assert set(price.opts.replace_on_changes) >= {"unitAmount", "currency", "recurring",
                                                  "product"}  # fmt: skip
    assert not price.opts.delete_before_replace  # the new price exists before the old goes
    assert price.inputs["transferLookupKey"] is True


def test_a_third_paid_plan_adds_a_product_and_price_without_code_changes() -> None:
    plans = [*dev_config()["api-sales:plans"], {
        "name": "BUSINESS",
        "quota": {"limit": 1_000_000, "period": "MONTH"},
        "throttle": {"rateLimit": 200, "burstLimit": 400},
        "price": {"lookupKey": "FMMailBusiness", "unitAmount": 29, "currency": "usd",
                  "interval": "year"},
    }]  # fmt: skip
    run = run_program({"plans": plans})
    prices = {p.inputs["lookupKey"]: p.inputs for p in run.of_type(PRICE)}
    assert set(prices) == {"FMMailPro", "FMMailBusiness"}
    business = prices["FMMailBusiness"]
    assert (business["unitAmount"], business["currency"], business["recurring"]) == (
        29, "usd", {"interval": "year"}
    )
    products = {p.id: p.inputs["name"] for p in run.of_type(PRODUCT)}
    assert products[business["product"]] == "FM Mail BUSINESS"
    assert len(products) == 2


def test_the_portal_cancels_at_period_end_and_returns_to_the_console(
    dev_run: ProgramRun,
) -> None:
    [portal] = dev_run.of_type(PORTAL)
    features = portal.inputs["features"]
    assert features["subscriptionCancel"]["enabled"] is True
    assert features["subscriptionCancel"]["mode"] == "at_period_end"
    assert features["paymentMethodUpdate"] == {"enabled": True}
    assert features["invoiceHistory"] == {"enabled": True}
    # No webBaseUrl in the dev stack: back to the console's own distribution.
    assert portal.inputs["defaultReturnUrl"] == f"https://{DISTRIBUTION_DOMAIN}/upgrade"
    assert "FM Mail" in portal.inputs["businessProfile"]["headline"]


def test_the_billing_function_opens_sessions_on_the_stacks_portal(dev_run: ProgramRun) -> None:
    [portal] = dev_run.of_type(PORTAL)
    assert _webhook_function_env(dev_run, "billing")["STRIPE_PORTAL_CONFIGURATION"] == portal.id
    assert "STRIPE_PORTAL_CONFIGURATION" not in _webhook_function_env(dev_run, "webhook")


def test_the_webhook_endpoint_gets_exactly_the_handled_events(dev_run: ProgramRun) -> None:
    [endpoint] = dev_run.of_type(WEBHOOK)
    assert endpoint.inputs["url"] == dev_run.exports["webhookUrl"]
    assert endpoint.inputs["url"].endswith("/api/stripe/webhook")
    assert set(endpoint.inputs["enabledEvents"]) == set(HANDLED_TYPES)
    assert len(endpoint.inputs["enabledEvents"]) == len(WEBHOOK_EVENTS)


def test_the_webhook_api_version_is_the_one_the_handlers_sdk_speaks(
    dev_run: ProgramRun,
) -> None:
    [endpoint] = dev_run.of_type(WEBHOOK)
    assert endpoint.inputs["apiVersion"] == STRIPE_API_VERSION == stripe.api_version
    pinned = re.search(r"^stripe==(\S+)", HANDLERS_REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned and pinned.group(1) == stripe.VERSION, "test with the SDK the functions ship"
    assert "apiVersion" in endpoint.opts.replace_on_changes  # Stripe sets it at creation only


def test_the_signing_secret_flows_from_the_endpoint_into_secrets_manager(
    dev_run: ProgramRun,
) -> None:
    [endpoint] = dev_run.of_type(WEBHOOK)
    assert "secret" in endpoint.opts.additional_secret_outputs  # encrypted in state
    version = dev_run.named(SECRET_VERSION, "secrets-stripe-webhook-secret")
    assert is_secret(version.inputs["secretString"])
    assert version.inputs["secretString"]["value"] == MOCK_WEBHOOK_SECRET
    secret = dev_run.named("aws:secretsmanager/secret:Secret", "secrets-stripe-webhook-secret")
    assert version.inputs["secretId"] == secret.id
    arn = _webhook_function_env(dev_run, "webhook")["STRIPE_WEBHOOK_SECRET_ARN"]
    assert arn == secret.outputs["arn"]


def test_every_stripe_resource_uses_the_explicit_provider_with_the_config_key(
    dev_run: ProgramRun,
) -> None:
    [provider] = dev_run.of_type(PROVIDER)
    assert is_secret(provider.inputs["apiKey"])
    assert provider.inputs["apiKey"]["value"] == TEST_SECRETS["stripeSecretKey"]
    stripe_resources = [r for r in dev_run if r.type.startswith("stripe:")]
    assert {r.type for r in stripe_resources} == {PRODUCT, PRICE, PORTAL, WEBHOOK}
    for resource in stripe_resources:
        assert resource.provider, f"{resource.name} would use the default provider"
        urn, _, provider_id = resource.provider.rpartition("::")
        assert urn.endswith(f"{PROVIDER}::{provider.name}") and provider_id == provider.id


@pytest.mark.parametrize("name", ["", " ", "x" * 61])
def test_a_bad_business_name_names_the_key(name: str) -> None:
    with pytest.raises(Exception, match="api-sales:businessName"):
        run_program({"businessName": name})
