"""Cognito users in the sandbox's pool, through the admin API (the console never can)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sandbox.deploy.deploy import DeployedStack

DEMO_EMAIL = "demo@example.com"
# Meets the pool's policy: 12+ characters, upper and lower case, a digit.
DEMO_PASSWORD = "Demo-Password-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str


def ensure_demo_user(stack: DeployedStack, email: str = DEMO_EMAIL,
                     password: str = DEMO_PASSWORD) -> DemoUser:  # fmt: skip
    """A confirmed user with a permanent password; on resume the existing one is reused."""
    cognito = stack.client("cognito-idp")
    with contextlib.suppress(cognito.exceptions.UsernameExistsException):
        cognito.admin_create_user(
            UserPoolId=stack.user_pool_id, Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email},
                            {"Name": "email_verified", "Value": "true"}],
        )  # fmt: skip
    cognito.admin_set_user_password(
        UserPoolId=stack.user_pool_id, Username=email, Password=password, Permanent=True
    )
    return DemoUser(email, password)


def confirmer(stack: DeployedStack):
    """The web server's stand-in for the emailed code: confirm a sign-up at once."""
    cognito = stack.client("cognito-idp")

    def confirm(email: str) -> None:
        user = cognito.admin_get_user(UserPoolId=stack.user_pool_id, Username=email)
        if user["UserStatus"] == "UNCONFIRMED":
            cognito.admin_confirm_sign_up(UserPoolId=stack.user_pool_id, Username=email)
            cognito.admin_update_user_attributes(
                UserPoolId=stack.user_pool_id, Username=email,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            )  # fmt: skip

    return confirm
