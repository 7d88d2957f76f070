"""The Cognito custom attributes that mirror the user's plan for the web console."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError

from apisales.adapters.aws import client, error_code

logger = logging.getLogger(__name__)


class CognitoAttributes:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    def set_plan(self, user_id: str, plan: str, customer_id: str | None) -> None:
        attributes = [{"Name": "custom:plan_type", "Value": plan}]
        if customer_id:
            attributes.append({"Name": "custom:stripe_customer_id", "Value": customer_id})
        try:
            client("cognito-idp").admin_update_user_attributes(
                UserPoolId=self.user_pool_id, Username=user_id, UserAttributes=attributes
            )
        except ClientError as exc:
            if error_code(exc) != "UserNotFoundException":
                raise
            # A deleted account: retrying cannot help, and the key and record are already right.
            logger.warning("cognito user %s not found; plan attributes not set", user_id)
