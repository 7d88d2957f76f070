"""Turn a raw webhook delivery into a verified Stripe event (a plain dict) or a 4xx.

Only after the signature holds is the body looked at, and then as any other body is at the
boundary (UTF-8, nesting depth, no unpaired surrogates), plus the shape the webhook relies
on (``stripe_event`` in the request contract): string ids of a sane form, a ``customer``
that is an id or an object with one. A signed event that does not fit is a 400 naming the
field, logged as ignored: a value the handler cannot use would otherwise fail later in
DynamoDB or Stripe, and be reported as a dependency failure (503) when nothing failed.
"""

from __future__ import annotations

from typing import Any

import stripe
from aws_lambda_powertools import Logger
from fastjsonschema import JsonSchemaValueException

from apisales import contract
from apisales.http.boundary import schema_error
from apisales.http.errors import BadRequest
from apisales.http.requests import parse_document

TOLERANCE_SECONDS = 300

logger = Logger(child=True)


def verified_event(payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """Check ``Stripe-Signature`` over the exact bytes received, then parse them."""
    if not signature:
        raise BadRequest("missing Stripe-Signature header", "invalid_signature")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body is not UTF-8", "invalid_body") from exc
    try:
        stripe.WebhookSignature.verify_header(text, signature, secret, TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise BadRequest("signature does not verify (forged, stale or wrong secret)",
                         "invalid_signature") from exc
    event = parse_document(payload, contract.max_depth())
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise BadRequest("not a Stripe event", "invalid_event")
    try:
        contract.validator("stripe_event")(event)
    except JsonSchemaValueException as exc:
        refusal = schema_error(exc)
        logger.warning("signed event ignored: not a shape the webhook can use",
                       extra={"field": refusal.field, "stripe_event_type": event["type"][:80]})
        raise BadRequest(refusal.message, "invalid_event", field=refusal.field) from None
    return event
