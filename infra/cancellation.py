"""Cancellation: what the stack's customer portal does when a customer cancels, and what the
console says about the money.

The portal configuration (infra/stripe_catalog.py) is declared from ``CANCEL_MODE`` and
``PRORATION_BEHAVIOR``, and config.json's ``cancellation`` carries the same two values to the
console, so the words a customer reads next to "cancel" cannot drift from what Stripe does.
A seller may add their own policy text (``api-sales:cancellationPolicy``): one text, or one
per console language (``{"en": "...", "ja": "..."}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from infra.config_errors import RuleBroken

# Cancel at the period's end, no proration: the customer keeps what they paid for until the
# period ends, and nothing is refunded for it.
CANCEL_MODE = "at_period_end"
PRORATION_BEHAVIOR = "none"

MAX_TEXT = 500
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")

Policy = str | dict[str, str] | None


def parse_policy(raw: Any) -> Policy:
    """The seller's policy text from the config value (plain text or a JSON object); raises
    :class:`RuleBroken` naming the language at fault."""
    if raw is None:
        return None
    value = raw
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise ValueError(f"is not a valid JSON object of texts ({error})") from None
    if isinstance(value, dict):
        if not value:
            raise ValueError("must name at least one language, e.g. {\"en\": \"...\"}")
        texts: dict[str, str] = {}
        for language, text in value.items():
            if not _LANGUAGE.match(language):
                raise RuleBroken("is not a language code such as en or ja", language)
            texts[language] = _text(text, language)
        return texts
    return _text(value)


def _text(value: Any, *path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise RuleBroken(f"must be a non-empty text of at most {MAX_TEXT} characters", *path)
    return value.strip()


def cancellation_settings(policy: Policy) -> dict[str, Any]:
    """config.json's ``cancellation``: what the portal does, and the seller's own words."""
    return {
        "mode": CANCEL_MODE,
        "proration": PRORATION_BEHAVIOR,
        "policy": dict(policy) if isinstance(policy, Mapping) else policy,
    }
