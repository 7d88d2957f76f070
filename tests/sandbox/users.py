"""Cognito users with real ID tokens from the sandbox's pool.

The web client allows SRP only (as in production); tests sign in through a test-only app
client of the same pool with ADMIN_USER_PASSWORD_AUTH. The API's Cognito authorizer
accepts any token the pool issued, whichever client asked for it.
"""

from __future__ import annotations

import uuid

PASSWORD = "Sandbox-Passw0rd-42"


def make_test_client(cognito, user_pool_id: str) -> str:
    return cognito.create_user_pool_client(
        UserPoolId=user_pool_id, ClientName=f"tests-{uuid.uuid4().hex[:8]}",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]  # fmt: skip


def signed_in_user(cognito, user_pool_id: str, client_id: str) -> str:
    """Create a confirmed user and return its ID token."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    cognito.admin_create_user(
        UserPoolId=user_pool_id, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email},
                        {"Name": "email_verified", "Value": "true"}],
    )  # fmt: skip
    cognito.admin_set_user_password(
        UserPoolId=user_pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    result = cognito.admin_initiate_auth(
        UserPoolId=user_pool_id, ClientId=client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )  # fmt: skip
    return result["AuthenticationResult"]["IdToken"]
