"""Cognito users in the sandbox's pool, through the admin API (the console never can)."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
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


# ministack records every mail Cognito sends (SES); the code is the message's only number.
_CODE = re.compile(r"\b(\d{6})\b")


def reset_code_reader(stack: DeployedStack):
    """The web server's stand-in for the mailbox: the code of the newest verification mail
    ministack's Cognito sent to an address (``ForgotPassword`` has just sent it), or None.

    ministack lists the mail it recorded at ``GET /_ministack/ses/messages``; Cognito's
    messages there have ``Type`` ``CognitoVerificationMessage``.
    """

    def read(email: str) -> str | None:
        url = stack.endpoint_url.rstrip("/") + "/_ministack/ses/messages"
        with urllib.request.urlopen(url, timeout=10) as response:
            listing = json.load(response)
        mails = [
            mail for account in (listing.get("messages") or {}).values() for mail in account
            if mail.get("Type") == "CognitoVerificationMessage"
            and email.lower() in (a.lower() for a in mail.get("To") or [])
        ]
        for mail in sorted(mails, key=lambda m: m.get("Timestamp") or 0, reverse=True):
            found = _CODE.search(mail.get("BodyText") or mail.get("BodyHtml") or "")
            if found:
                return found.group(1)
        return None

    return read
