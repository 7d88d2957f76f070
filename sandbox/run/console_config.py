"""What the sandbox changes in the program's ``config.json`` (docs/web-console.md).

Everything else (pool, client, region, plans) is served as the program generated it from
its outputs; only the addresses differ, because the browser reaches the API and Cognito
through the console's own server and the hosted UI is ministack's.
"""

from __future__ import annotations

from typing import Any

from infra.console_edge import content_security_policy
from sandbox.demo_mail import DemoMailbox
from sandbox.deploy.deploy import DeployedStack
from sandbox.run.web_server import (
    API_PREFIX,
    COGNITO_PATH,
    CONFIRM_PATH,
    RESET_CODE_PATH,
    DeployedSite,
)


def sandbox_overrides(stack: DeployedStack, mailbox: DemoMailbox | None) -> dict[str, Any]:
    """Same-origin URLs: the sandbox's web server proxies the API and Cognito."""
    return {
        "environment": "sandbox",
        "apiUrl": API_PREFIX,
        "cognitoEndpoint": COGNITO_PATH,
        "hostedUiUrl": stack.hosted_ui_url,
        "autoConfirmUrl": CONFIRM_PATH,
        "passwordResetCodeUrl": RESET_CODE_PATH,
        "demoMailbox": mailbox.imap_settings() if mailbox else None,
    }


def deployed_site(stack: DeployedStack, mailbox: DemoMailbox | None) -> DeployedSite:
    """The console's distribution in ministack, with the sandbox's addresses.

    The browser calls only the console's origin, except the hosted UI's token endpoint,
    which is ministack's: that is the one origin the CSP names besides 'self'.
    """
    return DeployedSite(
        endpoint_url=stack.endpoint_url,
        distribution_domain=stack.console_distribution_domain,
        content_security_policy=content_security_policy([stack.hosted_ui_url]),
        config_overrides=sandbox_overrides(stack, mailbox),
    )
