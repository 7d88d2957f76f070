"""Cognito's custom attributes in memory (adapters/cognito_attributes.py)."""

from __future__ import annotations

import threading


class InMemoryIdentity:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.attributes: dict[str, dict[str, str]] = {}
        self.deleted: set[str] = set()  # users no longer in the pool: updates are skipped

    def set_plan(self, user_id: str, plan: str, customer_id: str | None) -> None:
        with self.lock:
            if user_id in self.deleted:
                return  # the adapter logs UserNotFoundException and carries on
            attributes = self.attributes.setdefault(user_id, {})
            attributes["custom:plan_type"] = plan
            if customer_id:
                attributes["custom:stripe_customer_id"] = customer_id
