"""The scheduled quota mail: tell each customer once when their key passes 80 % and 100 %.

Run by EventBridge Scheduler (infra/quota_mail.py). For every plan with a quota it reads the
period's usage of every key (API Gateway ``GetUsage``), and for every user whose key crossed a
threshold not yet mailed this period (domain/quota_mail.py) it first records the mail
(a conditional write of user, threshold and period on the user's item), then sends it (SES).

Never twice: only the run whose conditional write succeeded sends. A send that fails after
the write releases the record, so the next run tries again, and the run ends in an error
(the function's errors alarm); a crash between write and send loses that one mail rather
than risking two (docs/operations.md, "Quota mail").
"""

from __future__ import annotations

from apisales import init_phase  # first: no GC passes while the function loads

# isort: split
import datetime as dt
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales import settings
from apisales.business_metrics import Metric
from apisales.domain.quota_mail import THRESHOLDS, KeyedUser, due, message, period_start
from apisales.observability import AWS_SDK, count, tracer_for
from apisales.roots import quota_mail as root

logger = Logger()
tracer = tracer_for([AWS_SDK])
# Lambda's init phase loads the adapters its root builds and makes the clients its role allows.
root.initialise()


def run(today: dt.date) -> int:
    """One pass; returns the number of mails sent."""
    catalog = settings.plan_catalog()
    # plan -> (the period's first day, which names it; the limit; calls per key so far)
    usage: dict[str, tuple[str, int, dict[str, int]]] = {}
    for plan in catalog.plans:
        if not plan.quota_limit or not plan.quota_period:
            continue
        start = period_start(plan.quota_period, today)
        usage[plan.name] = (start.isoformat(), plan.quota_limit,
                            root.usage().by_key(plan.usage_plan_id, start, today))  # fmt: skip
    sent = 0
    failures = 0
    for user in root.quota_mail_marks().keyed_users(THRESHOLDS):
        plan_name = user.plan or catalog.default_plan
        if plan_name not in usage:
            continue
        period, limit, used_by_key = usage[plan_name]
        used = used_by_key.get(user.api_key_id, 0)
        mailed = frozenset(t for t, p in user.marks.items() if p == period)
        mail = due(used, limit, mailed)
        if mail is None:
            continue
        try:
            if _deliver(user, mail.threshold, mail.marks, period, plan_name, used, limit):
                sent += 1
        except Exception:  # one customer's failure must not stop the others' mails
            failures += 1
            logger.exception("quota mail failed; released for the next run",
                             extra={"user_id": user.user_id, "threshold": mail.threshold})
    logger.info("quota mail run", extra={"sent": sent, "failed": failures})
    if failures:
        raise RuntimeError(f"{failures} quota mail(s) failed; the next run retries them")
    return sent


def _deliver(user: KeyedUser, threshold: int, marks: tuple[int, ...],
             period: str, plan: str, used: int, limit: int) -> bool:
    books = root.quota_mail_marks()
    claimed = [t for t in marks if books.claim_mail(user.user_id, t, period)]
    if threshold not in claimed:
        return False  # another run has it
    try:
        email = root.addresses().email_of(user.user_id)
        if not email:
            logger.warning("user has no email address; quota mail skipped",
                           extra={"user_id": user.user_id})
            return False
        subject, body = message(
            user.language, threshold, plan=plan, used=used, limit=limit,
            period=_period_of(plan), upgrade_url=f"{settings.web_base_url()}/upgrade",
        )
        root.mailer().send(settings.env("QUOTA_MAIL_SENDER"), email, subject, body)
    except Exception:
        for t in claimed:
            books.release_mail(user.user_id, t, period)
        raise
    count(Metric.QUOTA_MAILS_SENT)
    logger.info("quota mail sent", extra={"user_id": user.user_id, "threshold": threshold,
                                          "period": period})  # fmt: skip
    return True


def _period_of(plan: str) -> str:
    return settings.plan_catalog().plan(plan).quota_period or ""


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return {"sent": run(dt.datetime.now(dt.UTC).date())}


init_phase.loaded()  # last: the function has loaded (apisales/init_phase.py)
