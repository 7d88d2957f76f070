"""Turn a raw webhook delivery into a verified Stripe event (a plain dict) or a 4xx."""

from __future__ import annotations

import json
from typing import Any

import stripe

from apisales.http.errors import BadRequest

TOLERANCE_SECONDS = 300


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
    try:
        event = json.loads(text)
    except ValueError as exc:
        raise BadRequest("body is not valid JSON", "invalid_json") from exc
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance((event.get("data") or {}).get("object"), dict)
    ):
        raise BadRequest("not a Stripe event", "invalid_event")
    return event
