"""Account routes: the caller's plan and their one API key. Never imports stripe."""

from __future__ import annotations

from apisales import init_phase  # first: no GC passes while the function loads

# isort: split
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales import settings
from apisales.business_metrics import Metric
from apisales.domain.entitlements import Plan
from apisales.domain.errors import AccountClosed
from apisales.domain.language import from_accept_language
from apisales.domain.usage import (
    Quota,
    QuotaPeriod,
    UsageReport,
    UsageUnavailable,
    quota_window,
    usage_report,
)
from apisales.domain.users import UserRecord
from apisales.http.claims import caller_from_event
from apisales.http.errors import ApiError, NotFound
from apisales.observability import AWS_SDK, count, tracer_for
from apisales.roots import account as root
from apisales.routes.common import make_app

logger = Logger()
tracer = tracer_for([AWS_SDK])
app = make_app(logger)
# Lambda's init phase loads the adapters its root builds and makes the clients its role allows.
root.initialise()


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
    record = root.users().get(user_id)
    if record is not None and record.closed:
        raise AccountClosed(user_id)
    return record


def _record_with_key(user_id: str) -> tuple[UserRecord, str]:
    """The user's record and key id; 404 ``no_api_key`` when there is none."""
    record = _open_record(user_id)
    if not record or not record.api_key_id:
        raise NotFound("you have no API key yet; POST /account/api-key", "no_api_key")
    return record, record.api_key_id


def _key_with_value(user_id: str, key_id: str) -> dict[str, Any]:
    # Re-read: the plan the key is on after the call (a concurrent fulfilment may have moved it).
    plan = _key_plan_of(root.users().get(user_id))
    return {"id": key_id, "value": root.api_keys().value(key_id), "plan": plan}


def _subscription(record: UserRecord | None) -> dict[str, Any] | None:
    if not record or not record.subscription_id:
        return None
    return {
        "id": record.subscription_id,
        "status": record.subscription_status,
        "cancel_at_period_end": record.cancel_at_period_end,
        "current_period_end": record.current_period_end,
    }


def _remember(user_id: str, record: UserRecord | None) -> None:
    """Keep the reader's language for the mails we send them (Accept-Language: the browser's
    languages, or the console's choice); a first visit is a sign-up. Written only on change."""
    language = from_accept_language(app.current_event.headers.get("Accept-Language"))
    if record and record.first_seen_at and record.language == language:
        return
    if root.users().record_visit(user_id, language):
        count(Metric.SIGN_UPS)


@app.get("/account")
def get_account() -> dict[str, Any]:
    user_id = _caller_id()
    record = _open_record(user_id)
    _remember(user_id, record)
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
    key_id, created = root.key_service().ensure_key(user_id, plan)
    if created:
        count(Metric.KEYS_ISSUED)
    return _key_with_value(user_id, key_id), 201 if created else 200


@app.get("/account/api-key")
def get_api_key() -> dict[str, Any]:
    record, key_id = _record_with_key(_caller_id())
    key = root.api_keys().describe(key_id)
    return {"id": key.id, "value": key.value, "enabled": key.enabled, "plan": _key_plan_of(record)}


@app.post("/account/api-key/rotate")
def rotate_api_key() -> dict[str, Any]:
    user_id = _caller_id()
    record, old_key_id = _record_with_key(user_id)
    plan = settings.plan_catalog().plan(_plan_of(record))
    key_id = root.key_service().rotate(user_id, old_key_id, plan)
    count(Metric.KEYS_ISSUED)
    return _key_with_value(user_id, key_id)


@app.get("/account/usage")
def get_usage() -> dict[str, Any]:
    record, key_id = _record_with_key(_caller_id())
    plan = settings.plan_catalog().plan(_key_plan_of(record))
    now = root.now()
    try:
        quota = _quota_of(plan)
        window = quota_window(quota.period, now)
        daily = root.usage().daily(
            plan.usage_plan_id, key_id, window.first_day, now.astimezone(UTC).date()
        )
    except UsageUnavailable as exc:
        logger.warning("usage figures unavailable", extra={"reason": str(exc)})
        # Never a made-up figure: the console says plainly that there are none here.
        raise ApiError(503, "usage_unavailable",
                       "usage figures are not available in this environment") from exc  # fmt: skip
    return _usage_body(usage_report(plan.name, quota, daily, now))


def _quota_of(plan: Plan) -> Quota:
    if plan.quota_limit is None or plan.quota_period is None:
        raise UsageUnavailable(f"plan {plan.name} has no quota in PLAN_CATALOG")
    return Quota(plan.quota_limit, QuotaPeriod(plan.quota_period))


def _usage_body(report: UsageReport) -> dict[str, Any]:
    return {
        "plan": report.plan,
        "quota": {"limit": report.limit, "period": report.period.value},
        "used": report.used,
        "remaining": report.remaining,
        "period_start": _iso(report.window.start),
        "resets_at": _iso(report.window.resets_at),
        "as_of": _iso(report.as_of),
        "days": [{"date": d.day.isoformat(), "used": d.used} for d in report.days],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = app.resolve(event, context)
    return response


init_phase.loaded()  # last: the function has loaded (apisales/init_phase.py)
