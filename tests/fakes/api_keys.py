"""API Gateway's keys and usage-plan membership in memory (adapters/apigw_keys.py)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from apisales.domain.entitlements import Plan
from apisales.domain.ports import KeyDetails

_ids = itertools.count(1)


@dataclass
class _Key:
    name: str
    value: str
    enabled: bool = True


class InMemoryApiKeys:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: dict[str, _Key] = {}
        self.members: dict[str, set[str]] = {}  # usage plan id -> key ids

    def create(self, name: str) -> str:
        with self.lock:
            n = next(_ids)
            key_id = f"key{n:06d}"
            self.keys[key_id] = _Key(name, f"value-{n:06d}-" + "x" * 24)
            return key_id

    def find_by_name(self, name: str) -> str | None:
        matches = self.ids_named(name)
        return matches[0] if matches else None

    def ids_named(self, name: str) -> list[str]:
        with self.lock:
            return sorted(k for k, key in self.keys.items() if key.name == name)

    def put_on_plan(self, key_id: str, plan: Plan, all_plans: Sequence[Plan]) -> None:
        with self.lock:
            if key_id not in self.keys:
                raise LookupError(f"no API key {key_id}")  # API Gateway: NotFoundException
            for other in all_plans:
                self.members.setdefault(other.usage_plan_id, set()).discard(key_id)
            self.members.setdefault(plan.usage_plan_id, set()).add(key_id)

    def delete(self, key_id: str, all_plans: Sequence[Plan]) -> None:
        with self.lock:
            for members in self.members.values():
                members.discard(key_id)
            self.keys.pop(key_id, None)

    def value(self, key_id: str) -> str:
        return self.describe(key_id).value

    def describe(self, key_id: str) -> KeyDetails:
        with self.lock:
            key = self.keys[key_id]
            return KeyDetails(key_id, key.value, key.enabled)

    # -- what a test looks at --------------------------------------------------------------

    def plans_of(self, key_id: str) -> set[str]:
        """The usage plan ids ``key_id`` is a member of."""
        with self.lock:
            return {plan for plan, members in self.members.items() if key_id in members}

    def named(self, name: str) -> list[str]:
        with self.lock:
            return sorted(k for k, key in self.keys.items() if key.name == name)
