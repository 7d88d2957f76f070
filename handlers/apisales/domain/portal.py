"""A portal deep link: one task in Stripe's customer portal, then back to the console."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PortalFlow:
    kind: str  # Stripe's flow_data[type], e.g. payment_method_update
    return_url: str  # where the customer lands once the task is done
