"""The console's ``/config.json`` for the sandbox (docs/web-console.md describes each key)."""

from __future__ import annotations

from typing import Any

from sandbox.demo_mail import DemoMailbox
from sandbox.deploy.config import NAMESPACE
from sandbox.deploy.deploy import DeployedStack
from sandbox.run.web_server import API_PREFIX, COGNITO_PATH, CONFIRM_PATH


def console_config(stack: DeployedStack, config: dict[str, Any],
                   mailbox: DemoMailbox | None) -> dict[str, Any]:  # fmt: skip
    """Same-origin URLs: the sandbox's web server proxies the API and Cognito."""
    return {
        "environment": "sandbox",
        "region": stack.region,
        # The one origin the console is used at (Checkout and the hosted UI return there).
        "webBaseUrl": config[f"{NAMESPACE}:webBaseUrl"],
        "defaultPlan": config.get(f"{NAMESPACE}:defaultPlan", "FREE"),
        "apiUrl": API_PREFIX,
        "userPoolId": stack.user_pool_id,
        "webClientId": stack.web_client_id,
        "cognitoEndpoint": COGNITO_PATH,
        "hostedUiUrl": stack.hosted_ui_url,
        "autoConfirmUrl": CONFIRM_PATH,
        "plans": [_plan(p) for p in config[f"{NAMESPACE}:plans"]],
        "demoMailbox": mailbox.imap_settings() if mailbox else None,
    }


def _plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The shape the program writes into config.json: name, quota, throttle, price, features."""
    price = plan.get("price")
    shown: dict[str, Any] = {
        "name": plan["name"],
        "quota": plan["quota"],
        "price": {"unitAmount": price["unitAmount"], "currency": price.get("currency", "jpy"),
                  "interval": price.get("interval", "month")} if price else None,
        "features": list(plan.get("features") or []),
    }  # fmt: skip
    if plan.get("throttle"):
        shown["throttle"] = plan["throttle"]
    return shown
