"""The Cognito custom attributes that mirror the user's plan for the web console."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from apisales.adapters.aws import cognito, error_code

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp.type_defs import AttributeTypeTypeDef

logger = logging.getLogger(__name__)


class CognitoAttributes:
    def __init__(self, user_pool_id: str) -> None:
        self.user_pool_id = user_pool_id

    def set_plan(self, user_id: str, plan: str, customer_id: str | None) -> None:
        attributes: list[AttributeTypeTypeDef] = [{"Name": "custom:plan_type", "Value": plan}]
        if customer_id:
            attributes.append({"Name": "custom:stripe_customer_id", "Value": customer_id})
        try:
            cognito().admin_update_user_attributes(
                UserPoolId=self.user_pool_id, Username=user_id, UserAttributes=attributes
            )
        except ClientError as exc:
            if error_code(exc) != "UserNotFoundException":
                raise
            # A deleted account: retrying cannot help, and the key and record are already right.
            logger.warning("cognito user %s not found; plan attributes not set", user_id)
