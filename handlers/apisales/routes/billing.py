"""Billing routes: Stripe Checkout, the checkout's status (fulfils if paid), the portal, and
``DELETE /account`` (here because deleting an account cancels its Stripe subscription, and
the account function never imports stripe)."""

from __future__ import annotations

from apisales import init_phase  # first: no GC passes while the function loads

# isort: split
import re
from typing import Any

import stripe
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales import settings
from apisales.business_metrics import Cause, Metric
from apisales.domain.billing_object import BillingObject
from apisales.domain.entitlements import SUBSCRIBED_STATUSES, Plan, current_subscription
from apisales.domain.errors import AccountClosed, CustomerConflict
from apisales.domain.ownership import Owner, Refusal
from apisales.domain.portal import PortalFlow
from apisales.domain.users import UserRecord
from apisales.http.boundary import request_body
from apisales.http.claims import Caller, caller_from_event
from apisales.http.errors import BadRequest, Conflict, NotFound
from apisales.observability import AWS_SDK, HTTP, count, count_sync, tracer_for
from apisales.roots import billing as root
from apisales.routes.common import make_app

logger = Logger()
tracer = tracer_for([AWS_SDK, HTTP])
app = make_app(logger, (stripe.StripeError,))
# Lambda's init phase loads the adapters its root builds and makes the clients its role allows.
root.initialise()

PAID = frozenset({"paid", "no_payment_required"})
# Portal deep links the console may ask for, and where each returns when done.
PORTAL_FLOWS = {"payment_method_update": "{base}/account/?billing=payment_method_updated"}
# Stripe's Checkout Session ids; anything else is not looked up at all.
SESSION_ID = re.compile(r"cs_(test|live)_[A-Za-z0-9]{1,250}")


def _caller() -> Caller:
    return caller_from_event(app.current_event.raw_event)


def _open_record(user_id: str) -> UserRecord | None:
    record = root.users().get(user_id)
    if record is not None and record.closed:
        raise AccountClosed(user_id)
    return record


def _customer_for(caller: Caller, record: UserRecord | None) -> str:
    """The caller's Stripe customer: the one in ``record``, else created once and recorded."""
    if record and record.stripe_customer_id:
        return record.stripe_customer_id
    created = root.stripe_billing().create_customer(caller.user_id, caller.email)
    # Conditional write: if a concurrent request recorded a customer first, use that one.
    return root.users().bind_customer(caller.user_id, created)


@app.post("/billing/checkout")
def create_checkout() -> dict[str, Any]:
    caller = _caller()
    plan, lookup_key = _paid_plan(request_body(app).get("plan"))
    record = _open_record(caller.user_id)
    if record and record.subscription_status in SUBSCRIBED_STATUSES:
        raise _already_subscribed()
    billing = root.stripe_billing()
    customer_id = _customer_for(caller, record)
    # Our record may lag Stripe (a payment whose webhook is still on its way): ask Stripe
    # too, so nobody is charged twice.
    live = current_subscription(billing.subscriptions_of(customer_id), True)
    if live is not None and live.status in SUBSCRIBED_STATUSES:
        raise _already_subscribed()
    # Only the newest session can be paid: two tabs must not make two subscriptions.
    billing.expire_open_checkout_sessions(customer_id)
    base = settings.web_base_url()
    session = billing.create_checkout_session(
        user_id=caller.user_id,
        customer_id=customer_id,
        price_id=billing.price_id(lookup_key),
        success_url=f"{base}/upgrade/thanks?session_id={{CHECKOUT_SESSION_ID}}",
        # The canceled page offers this plan's checkout again (a plan name is URL-safe).
        cancel_url=f"{base}/upgrade/canceled?plan={plan.name}",
    )
    root.checkout_sessions().record_created(session.id, caller.user_id)
    count(Metric.CHECKOUTS_STARTED)
    return {"url": session.url, "session_id": session.id}


def _paid_plan(requested: object) -> tuple[Plan, str]:
    """The paid plan the body names (without a name: the only paid plan), and its price."""
    paid = {p.name: (p, key) for p in settings.plan_catalog().paid_plans
            if (key := p.price_lookup_key) is not None}  # fmt: skip
    if requested is None:
        if len(paid) != 1:
            raise BadRequest("say which plan: {\"plan\": \"...\"}", "plan_required")
        return next(iter(paid.values()))
    if not isinstance(requested, str) or requested not in paid:
        raise BadRequest(f"no paid plan named {requested!r}", "unknown_plan")
    return paid[requested]


def _already_subscribed() -> Conflict:
    return Conflict("you already have a subscription; manage it in the portal",
                    "already_subscribed")  # fmt: skip


def _security_refusal(refusal: Refusal, session_id: str) -> NotFound:
    logger.warning("checkout identity mismatch; nothing applied", extra={
        "security_event": "checkout_identity_mismatch", "mismatch": refusal.reason,
        "session_id": session_id, **refusal.ids})
    return NotFound("no such checkout session", "unknown_session")


def _owned_session(session_id: str, caller: Caller) -> tuple[BillingObject, Owner | None]:
    """The caller's Checkout Session from Stripe, and its owner under the ownership rule
    (None while it has no customer); NotFound for anyone else's, a disputed one or none."""
    unknown = NotFound("no such checkout session", "unknown_session")
    if not SESSION_ID.fullmatch(session_id):
        raise unknown
    sessions = root.checkout_sessions()
    recorded_owner = sessions.owner_of(session_id)
    if recorded_owner is not None and recorded_owner != caller.user_id:
        raise unknown
    session = root.stripe_billing().retrieve_checkout_session(session_id)
    if session is None or session.user_id != caller.user_id:
        raise unknown
    judged = root.ownership().owner_of(session)
    if isinstance(judged, Refusal) and judged.security:
        raise _security_refusal(judged, session_id)
    if recorded_owner is None:
        # Stripe created it for this caller but recording it failed: record it now.
        sessions.record_created(session_id, caller.user_id)
    return session, judged if isinstance(judged, Owner) else None


@app.get("/billing/checkout/<session_id>")
def checkout_status(session_id: str) -> dict[str, Any]:
    caller = _caller()
    session, owner = _owned_session(session_id, caller)
    paid = session.status == "complete" and session.payment_status in PAID
    plan = None
    if paid and owner is not None:
        try:
            outcome = root.fulfilment().sync(owner.user_id, owner.customer_id)
        except CustomerConflict as conflict:  # bound to another customer since the check
            raise _security_refusal(Refusal("user_bound_to_another_customer", True, {
                "user_id": conflict.user_id, "customer_id": conflict.customer_id}),
                session_id) from None
        first = root.checkout_sessions().mark_fulfilled(session_id, owner.user_id)
        count_sync(outcome, Cause.CHECKOUT_STATUS, first_fulfilment=first)
        plan = outcome.plan
    return {
        "session_id": session_id,
        "status": session.status,
        "payment_status": session.payment_status,
        "fulfilled": bool(plan),
        "plan": plan,
    }


@app.post("/billing/portal")
def create_portal() -> dict[str, Any]:
    caller = _caller()
    flow = request_body(app).get("flow")  # the boundary allows only PORTAL_FLOWS or null
    if flow is not None and flow not in PORTAL_FLOWS:
        raise BadRequest(f"no portal flow named {flow!r}", "unknown_flow")
    record = _open_record(caller.user_id)
    if not record or not record.stripe_customer_id:
        raise NotFound("you have no billing account yet; subscribe first", "no_customer")
    base = settings.web_base_url()
    url = root.stripe_billing().create_portal_session(
        record.stripe_customer_id,
        f"{base}/upgrade",
        settings.portal_configuration(),  # the stack's, not whatever the dashboard defaults to
        flow=PortalFlow(flow, PORTAL_FLOWS[flow].format(base=base)) if flow else None,
    )
    return {"url": url}


@app.delete("/account")
def delete_account() -> dict[str, Any]:
    """Delete the caller's account: key, subscription, records, Cognito user (in that order).

    The body repeats the account's email, so that no stray call deletes an account. Safe to
    repeat: a retry after any failure finishes the deletion (domain/account_deletion.py).
    """
    caller = _caller()
    confirm = str(request_body(app)["confirm_email"]).strip().lower()
    if caller.email is None or confirm != caller.email.strip().lower():
        raise BadRequest("confirm_email must be this account's email address",
                         "confirmation_mismatch", field="confirm_email")
    report = root.account_deletion().delete(caller.user_id)
    logger.info("account deleted", extra={
        "user_id": caller.user_id, "keys_deleted": report.keys_deleted,
        "subscriptions_canceled": report.subscriptions_canceled})
    return {"deleted": True, "subscriptions_canceled": report.subscriptions_canceled}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = app.resolve(event, context)
    return response


init_phase.loaded()  # last: the function has loaded (apisales/init_phase.py)
