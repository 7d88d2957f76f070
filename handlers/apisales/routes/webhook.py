"""``POST /stripe/webhook``: verify, ask Stripe whose object it is, re-sync that customer.

Of the signed body the handler takes the event id, its type and ``data.object.id``, nothing
else. It retrieves that object from Stripe with the secret key (the Checkout Session,
Subscription or Invoice); the user and the customer come from Stripe's object and our
records, under the ownership rule (``domain/ownership.py``). A body whose identity fields
disagree with Stripe's object, or an object our records attribute to someone else, is
refused: a security log line, nothing applied, 200 ``ignored`` so that Stripe stops retrying.

Every accepted event then means the same thing: "this customer's subscriptions may have
changed". The fulfilment path fetches them from Stripe, so duplicates, replays and any
arrival order end in the state Stripe reports. The event id is recorded only after the
effects succeeded, so a failure (503) leaves the event to Stripe's retry.
"""

from __future__ import annotations

from apisales import init_phase  # first: no GC passes while the function loads

# isort: split
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import stripe
from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales.adapters.stripe_objects import billing_object, object_id
from apisales.business_metrics import EVENT_TYPE, OUTCOME, Cause, Metric, Outcome
from apisales.domain.account_deletion import close_billing
from apisales.domain.billing_object import BillingObject, ObjectKind
from apisales.domain.errors import AccountClosed, CustomerConflict
from apisales.domain.ownership import Owner, Refusal, body_disagrees, disagreements
from apisales.http.errors import BadRequest
from apisales.http.requests import raw_body
from apisales.http.stripe_events import verified_event
from apisales.observability import AWS_SDK, HTTP, count, count_sync, tracer_for
from apisales.roots import webhook as root
from apisales.routes.common import make_app

logger = Logger()
tracer = tracer_for([AWS_SDK, HTTP])
app = make_app(logger, (stripe.StripeError,))
# Lambda's init phase loads the adapters its root builds and makes the clients its role allows.
root.initialise()

# Stripe event payloads are far below this; anything bigger is not from Stripe.
MAX_BODY_BYTES = 512 * 1024

HANDLED_TYPES = frozenset({
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
})

# The event type's prefix says which kind of object data.object is.
OBJECT_KINDS = {
    "checkout.session": ObjectKind.CHECKOUT_SESSION,
    "customer.subscription": ObjectKind.SUBSCRIPTION,
    "invoice": ObjectKind.INVOICE,
}


@dataclass
class Delivery:
    """What became of one delivery, for the ``WebhookEvents`` metric."""

    type: str = "unknown"  # Stripe's event type, once the signature is verified
    outcome: Outcome = Outcome.APPLIED


_delivery: ContextVar[Delivery] = ContextVar("delivery")


def _outcome(status: int) -> Outcome:
    if status >= 500:
        return Outcome.FAILED
    if status >= 400:
        return Outcome.REFUSED
    return _delivery.get().outcome


def _retrieve(kind: ObjectKind, oid: str) -> BillingObject | None:
    billing = root.stripe_billing()
    if kind is ObjectKind.CHECKOUT_SESSION:
        return billing.retrieve_checkout_session(oid)
    if kind is ObjectKind.SUBSCRIPTION:
        return billing.retrieve_subscription(oid)
    return billing.retrieve_invoice(oid)


def _owner(kind: ObjectKind, body: dict[str, Any], actual: BillingObject) -> Owner | Refusal:
    """Whose ``actual`` is, provided the body does not say otherwise."""
    fields = disagreements(billing_object(kind, body), actual)
    if fields:
        return body_disagrees(fields, actual)
    return root.ownership().owner_of(actual)


def _ack(**extra: Any) -> dict[str, Any]:
    if "ignored" in extra:
        _delivery.get().outcome = Outcome.IGNORED
    elif extra.get("duplicate"):
        _delivery.get().outcome = Outcome.DUPLICATE
    return {"received": True, **extra}


def _refused(refusal: Refusal) -> dict[str, Any]:
    if not refusal.security:
        logger.warning("event for an unknown customer; ignored", extra=refusal.ids)
        return _ack(ignored=refusal.reason)
    logger.warning("webhook identity mismatch; nothing applied", extra={
        "security_event": "webhook_identity_mismatch", "mismatch": refusal.reason,
        **refusal.ids})
    return _ack(ignored="identity_mismatch")


@app.post("/stripe/webhook")
def receive() -> dict[str, Any]:
    request = app.current_event  # API Gateway's proxy event: the HTTP delivery
    payload = raw_body(request.raw_event, MAX_BODY_BYTES)
    signature = request.headers.get("Stripe-Signature")  # case-insensitive in Powertools 3
    stripe_event = verified_event(payload, signature, root.webhook_secret())
    event_id, event_type = stripe_event["id"], stripe_event["type"]
    logger.append_keys(stripe_event_id=event_id, stripe_event_type=event_type)
    _delivery.get().type = event_type
    if event_type not in HANDLED_TYPES:
        return _ack(ignored="unhandled_type")
    events = root.processed_events()
    if events.is_processed(event_id):
        return _ack(duplicate=True)
    body = stripe_event["data"]["object"]
    oid = object_id(body)
    if oid is None:
        raise BadRequest("data.object has no valid id", "invalid_event")
    kind = OBJECT_KINDS[event_type.rsplit(".", 1)[0]]
    actual = _retrieve(kind, oid)
    if actual is None:
        logger.warning("Stripe has no such object; ignored", extra={"object_id": oid})
        return _ack(ignored="not_a_completed_subscription_checkout"
                    if kind is ObjectKind.CHECKOUT_SESSION else "unknown_object")
    owner = _owner(kind, body, actual)
    if isinstance(owner, Refusal):
        return _refused(owner)
    if kind is ObjectKind.CHECKOUT_SESSION and not actual.is_completed_subscription_checkout:
        events.mark_processed(event_id, event_type)
        return _ack(ignored="not_a_completed_subscription_checkout")
    try:
        outcome = root.fulfilment().sync(owner.user_id, owner.customer_id)
    except CustomerConflict as conflict:  # bound to another customer since the check
        return _refused(Refusal("user_bound_to_another_customer", True, {
            "user_id": conflict.user_id, "customer_id": conflict.customer_id}))
    except AccountClosed:
        # Deleted (or being deleted): nothing is issued or synced. A subscription paid in
        # the moment before the deletion closed billing is canceled, never left charging.
        canceled = close_billing(root.stripe_billing(), owner.customer_id)
        events.mark_processed(event_id, event_type)
        logger.warning("event for a deleted account; its billing closed", extra={
            "user_id": owner.user_id, "customer_id": owner.customer_id,
            "subscriptions_canceled": canceled})
        return _ack(ignored="account_deleted")
    first = False
    if kind is ObjectKind.CHECKOUT_SESSION:
        first = root.checkout_sessions().mark_fulfilled(actual.id, owner.user_id)
    count_sync(outcome, Cause.WEBHOOK, first_fulfilment=first)
    events.mark_processed(event_id, event_type)
    logger.info("customer synced", extra={"user_id": owner.user_id, "plan": outcome.plan})
    return _ack(plan=outcome.plan)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST,
                              clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    delivery = Delivery()
    token = _delivery.set(delivery)
    try:
        response: dict[str, Any] = app.resolve(event, context)
        count(Metric.WEBHOOK_EVENTS, **{EVENT_TYPE: delivery.type,
                                       OUTCOME: _outcome(response["statusCode"])})
        return response
    finally:
        _delivery.reset(token)


init_phase.loaded()  # last: the function has loaded (apisales/init_phase.py)
