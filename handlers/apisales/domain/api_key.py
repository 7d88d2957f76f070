"""The user's one API key: issue it exactly once, rotate it, keep it on the right plan.

Exactly one key under concurrency: before creating a key a request claims the right to do so
with a conditional write on the user item (no ``api_key_id`` and no live claim). Other requests
wait for the winner to store the key id. A claim expires, so a crash between creating the key
and storing its id does not block the user forever; the next claimant first adopts a key that
already carries the user's deterministic name, so the crash leaves no second key either.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from apisales.domain.entitlements import Plan, PlanCatalog
from apisales.domain.errors import AccountClosed, KeyIssueBusy
from apisales.domain.ports import ApiKeys, UserStore

CLAIM_TTL_SECONDS = 30
WAIT_SECONDS = 5.0  # well inside the account function's 10 s timeout
POLL_SECONDS = 0.05
SETTLE_ROUNDS = 3


def key_name(scope: str, user_id: str) -> str:
    """API keys are account-wide: ``scope`` (the stack's users table) keeps stacks apart."""
    return f"{scope}-user-{user_id}"


@dataclass
class KeyService:
    users: UserStore
    keys: ApiKeys
    catalog: PlanCatalog
    scope: str
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def ensure_key(self, user_id: str, plan: Plan) -> tuple[str, bool]:
        """The user's key id, on ``plan``; issues it if there is none. ``(key_id, created)``."""
        deadline = self.clock() + WAIT_SECONDS
        created = False
        while True:
            record = self.users.get(user_id)
            if record is not None and record.closed:
                raise AccountClosed(user_id)
            if record is not None and record.api_key_id:
                key_id = record.api_key_id
                break
            token = uuid.uuid4().hex
            if self.users.claim_key_issue(user_id, token, int(self.clock()), CLAIM_TTL_SECONDS):
                try:
                    stored = self._issue_under_claim(user_id, token, plan)
                except Exception:
                    # Let the retry in at once; a crash instead leaves the claim to expire.
                    with contextlib.suppress(Exception):  # never mask the original failure
                        self.users.release_key_claim(user_id, token)
                    raise
                if stored is not None:
                    key_id, created = stored, True
                    break
                continue  # our claim expired and someone else stored a key: use theirs
            if self.clock() >= deadline:
                raise KeyIssueBusy(f"key issue for {user_id} is in progress")
            self.sleep(POLL_SECONDS)
        self.keys.put_on_plan(key_id, plan, self.catalog.plans)
        self.users.set_key_plan(user_id, key_id, plan.name)
        self._follow_record(user_id, key_id, plan)
        return key_id, created

    def _follow_record(self, user_id: str, key_id: str, plan: Plan) -> None:
        """Leave the key on the plan the user record names *now*.

        A caller may have read the plan just before a concurrent fulfilment changed it and
        moved the key; our move would then undo theirs. Fulfilment writes the record's plan
        before it moves the key, so re-reading the record after our move always converges.
        """
        for _ in range(SETTLE_ROUNDS):
            latest = self.users.get(user_id)
            if latest is None or latest.api_key_id != key_id or latest.plan in (None, plan.name):
                return
            plan = self.catalog.plan(latest.plan)
            self.keys.put_on_plan(key_id, plan, self.catalog.plans)
            self.users.set_key_plan(user_id, key_id, plan.name)

    def _issue_under_claim(self, user_id: str, token: str, plan: Plan) -> str | None:
        # Adopt a key a crashed attempt created, so a retry never makes a second one.
        name = key_name(self.scope, user_id)
        key_id = self.keys.find_by_name(name) or self.keys.create(name)
        # On the plan before it is visible, so a returned key always works.
        self.keys.put_on_plan(key_id, plan, self.catalog.plans)
        if self.users.set_api_key(user_id, key_id, claim_token=token):
            return key_id
        self._drop_if_closed(user_id, key_id)
        return None

    def _drop_if_closed(self, user_id: str, key_id: str) -> None:
        """A key made while the account's deletion began is deleted here, never handed out."""
        record = self.users.get(user_id)
        if record is not None and record.closed:
            self.keys.delete(key_id, self.catalog.plans)
            raise AccountClosed(user_id)

    def rotate(self, user_id: str, old_key_id: str, plan: Plan) -> str:
        """A new key on ``plan`` replaces ``old_key_id``; the old value stops working."""
        new_key_id = self.keys.create(key_name(self.scope, user_id))
        self.keys.put_on_plan(new_key_id, plan, self.catalog.plans)
        if not self.users.set_api_key(user_id, new_key_id, replaces=old_key_id):
            # A concurrent rotation (or the account's deletion) won; ours was never handed out.
            self.keys.delete(new_key_id, self.catalog.plans)
            record = self.users.get(user_id)
            if record is not None and record.closed:
                raise AccountClosed(user_id)
            return record.api_key_id if record and record.api_key_id else new_key_id
        self.users.set_key_plan(user_id, new_key_id, plan.name)
        self.keys.delete(old_key_id, self.catalog.plans)
        self._follow_record(user_id, new_key_id, plan)
        return new_key_id
