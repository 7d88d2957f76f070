"""Small flows shared by the double's tests."""

from __future__ import annotations

import stripe

SUCCESS_URL = "https://app.example.com/upgrade/thanks?session_id={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://app.example.com/upgrade/canceled"


def pro_price_id(client: stripe.StripeClient) -> str:
    prices = client.v1.prices.list(params={"lookup_keys": ["FMMailPro"]})
    return prices.data[0].id


def new_session(client: stripe.StripeClient, **extra: object) -> stripe.checkout.Session:
    params: dict[str, object] = {
        "mode": "subscription",
        "line_items": [{"price": pro_price_id(client), "quantity": 1}],
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
        "client_reference_id": "user-1",
    }
    if "customer" not in extra:
        params["customer_email"] = "buyer@example.com"
    params.update(extra)
    return client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
