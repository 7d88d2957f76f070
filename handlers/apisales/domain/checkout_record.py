"""What we recorded of a Checkout Session at checkout (the table layout lives in the adapter)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckoutRecord:
    session_id: str
    user_id: str  # the owner: the caller who started the checkout
    status: str | None  # ``open`` until fulfilled, then ``complete``
    fulfilled_at: int | None  # the first fulfilment (epoch seconds)
