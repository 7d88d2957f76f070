"""The user records and the API keys, and the key rule over them: every function that issues
or moves a key (account, billing, webhook, sweep)."""

from __future__ import annotations

from apisales import settings
from apisales.dependency import Dependency
from apisales.domain.api_key import KeyService
from apisales.domain.ports import ApiKeys, UserStore


def _dynamo_users() -> UserStore:
    from apisales.adapters.dynamo_users import DynamoUserStore

    return DynamoUserStore(settings.env("USERS_TABLE"))


def _apigw_keys() -> ApiKeys:
    from apisales.adapters.apigw_keys import ApiGatewayKeys

    return ApiGatewayKeys()


users = Dependency(_dynamo_users)
api_keys = Dependency(_apigw_keys)


def key_service() -> KeyService:
    return KeyService(users(), api_keys(), settings.plan_catalog(), settings.env("USERS_TABLE"))
