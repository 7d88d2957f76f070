"""The Cognito user itself (account deletion); attributes live in cognito_attributes.py."""

from __future__ import annotations

from botocore.exceptions import ClientError

from apisales.adapters.aws import client, error_code


class CognitoUsers:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    def delete_user(self, user_id: str) -> None:
        try:
            client("cognito-idp").admin_delete_user(
                UserPoolId=self.user_pool_id, Username=user_id
            )
        except ClientError as exc:
            if error_code(exc) != "UserNotFoundException":  # gone: a retry's work is done
                raise
