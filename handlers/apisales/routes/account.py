"""Account routes: the caller's plan and their one API key. Never imports stripe."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales import container, settings
from apisales.domain.errors import AccountClosed
from apisales.domain.users import UserRecord
from apisales.http.claims import caller_from_event
from apisales.http.errors import NotFound
from apisales.routes.common import make_app

logger = Logger()
app = make_app(logger)
# What this function's role may call (infra/functions.py), made in Lambda's init phase.
container.create_clients(("dynamodb", "apigateway"))


def _caller_id() -> str:
    return caller_from_event(app.current_event.raw_event).user_id


def _plan_of(record: UserRecord | None) -> str:
    catalog = settings.plan_catalog()
    if record and record.plan:
        return record.plan
    return catalog.default_plan


def _key_plan_of(record: UserRecord | None) -> str:
    """The plan the key was last put on (the user's plan until that is recorded)."""
    return (record and record.key_plan) or _plan_of(record)


def _open_record(user_id: str) -> UserRecord | None:
    """The caller's record; 410 once the account is deleted or being deleted."""
    record = container.users().get(user_id)
    if record is not None and record.closed:
        raise AccountClosed(user_id)
    return record


def _record_with_key(user_id: str) -> UserRecord:
    record = _open_record(user_id)
    if not record or not record.api_key_id:
        raise NotFound("you have no API key yet; POST /account/api-key", "no_api_key")
    return record


def _key_with_value(user_id: str, key_id: str) -> dict[str, Any]:
    # Re-read: the plan the key is on after the call (a concurrent fulfilment may have moved it).
    plan = _key_plan_of(container.users().get(user_id))
    return {"id": key_id, "value": container.api_keys().value(key_id), "plan": plan}


def _subscription(record: UserRecord | None) -> dict[str, Any] | None:
    if not record or not record.subscription_id:
        return None
    return {
        "id": record.subscription_id,
        "status": record.subscription_status,
        "cancel_at_period_end": record.cancel_at_period_end,
        "current_period_end": record.current_period_end,
    }


@app.get("/account")
def get_account() -> dict[str, Any]:
    user_id = _caller_id()
    record = _open_record(user_id)
    key = None
    if record and record.api_key_id:
        key = {"id": record.api_key_id, "plan": _key_plan_of(record)}
    return {
        "user_id": user_id,
        "plan": _plan_of(record),
        "subscription": _subscription(record),
        "api_key": key,
    }


@app.post("/account/api-key")
def issue_api_key() -> tuple[dict[str, Any], int]:
    user_id = _caller_id()
    record = _open_record(user_id)
    plan = settings.plan_catalog().plan(_plan_of(record))
    key_id, created = container.key_service().ensure_key(user_id, plan)
    return _key_with_value(user_id, key_id), 201 if created else 200


@app.get("/account/api-key")
def get_api_key() -> dict[str, Any]:
    record = _record_with_key(_caller_id())
    key = container.api_keys().describe(record.api_key_id)
    return {**key, "plan": _key_plan_of(record)}


@app.post("/account/api-key/rotate")
def rotate_api_key() -> dict[str, Any]:
    user_id = _caller_id()
    record = _record_with_key(user_id)
    plan = settings.plan_catalog().plan(_plan_of(record))
    key_id = container.key_service().rotate(user_id, record.api_key_id, plan)
    return _key_with_value(user_id, key_id)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
