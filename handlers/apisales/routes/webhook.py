"""``POST /stripe/webhook``: verify, then re-sync the customer from Stripe's current state.

Every handled event means the same thing here: "this customer's subscriptions may have
changed". The handler never applies the event body; it looks the customer up, and runs the
fulfilment path, which fetches the subscriptions from Stripe. So duplicates, replays and any
arrival order end in the state Stripe reports. The event id is recorded only after the
effects succeeded, so a failure (503) leaves the event to Stripe's retry.
"""

from __future__ import annotations

from typing import Any

import stripe
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales import container
from apisales.http.requests import raw_body
from apisales.http.stripe_events import verified_event
from apisales.routes.common import make_app

logger = Logger()
app = make_app(logger, (stripe.StripeError,))
# What this function's role may call (infra/functions.py), made in Lambda's init phase.
container.create_clients(("dynamodb", "apigateway", "secretsmanager", "cognito-idp"))

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


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _owner(event_type: str, obj: dict[str, Any]) -> tuple[str | None, str | None]:
    """(user_id, customer_id) the event is about; user None if we do not know them."""
    customer_id = _id(obj.get("customer"))
    if event_type == "checkout.session.completed":
        user_id = obj.get("client_reference_id")
        if isinstance(user_id, str) and user_id and customer_id:
            return user_id, customer_id
    if not customer_id:
        return None, None
    return container.users().user_for_customer(customer_id), customer_id


def _ack(**extra: Any) -> dict[str, Any]:
    return {"received": True, **extra}


@app.post("/stripe/webhook")
def receive() -> dict[str, Any]:
    event_ = app.current_event
    payload = raw_body(event_.raw_event, MAX_BODY_BYTES)
    signature = event_.headers.get("Stripe-Signature")  # case-insensitive in Powertools 3
    event = verified_event(payload, signature, container.webhook_secret())
    event_id, event_type = event["id"], event["type"]
    logger.append_keys(stripe_event_id=event_id, stripe_event_type=event_type)
    if event_type not in HANDLED_TYPES:
        return _ack(ignored="unhandled_type")
    events = container.processed_events()
    if events.is_processed(event_id):
        return _ack(duplicate=True)
    obj = event["data"]["object"]
    user_id, customer_id = _owner(event_type, obj)
    if not user_id or not customer_id:
        logger.warning("event for an unknown customer; ignored", extra={"customer": customer_id})
        return _ack(ignored="unknown_customer")
    if event_type == "checkout.session.completed":
        # None: Stripe has no such session (the adapter's answer to resource_missing).
        session = container.stripe_billing().retrieve_checkout_session(obj["id"]) or {}
        if session.get("mode") != "subscription" or session.get("status") != "complete":
            events.mark_processed(event_id, event_type)
            return _ack(ignored="not_a_completed_subscription_checkout")
    outcome = container.fulfilment().sync(user_id, customer_id)
    if event_type == "checkout.session.completed":
        container.checkout_sessions().mark_fulfilled(obj["id"], user_id)
    events.mark_processed(event_id, event_type)
    logger.info("customer synced", extra={"user_id": user_id, "plan": outcome.plan})
    return _ack(plan=outcome.plan)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
