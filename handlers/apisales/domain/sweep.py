"""The reconciliation sweep: find users whose plan may disagree with Stripe and re-sync them.

Webhooks are the fast path; this is the safety net for the deliveries Stripe gave up on (an
endpoint disabled, a signing secret rotated wrongly, three days of 5xx). Each run:

1. takes the **lease** (one sweep at a time; a crashed run's lease expires);
2. walks Stripe: the customers of the subscription events since the stored cursor
   (*incremental*), or every subscription page by page (*full*: daily, on the first run,
   when the cursor is older than Stripe keeps events, or on demand);
3. walks the users table for users whose key sits on another plan than their record says;
4. runs, for each, the webhook's own rules: the ownership rule on the customer
   (``Ownership.owner_of_customer``) and the fulfilment path (``Fulfilment.sync``), or for a
   user without a customer, ``KeyService.ensure_key`` on the record's plan;
5. stores the cursor after every page, so a run that crashes or runs out of time resumes
   where it stopped, and releases the lease.

Every step is the idempotent "make it so" of the webhook, so a page done twice (a crash
after the work, before the cursor) changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from apisales.domain.api_key import KeyService
from apisales.domain.entitlements import PlanCatalog
from apisales.domain.errors import AccountClosed, CustomerConflict
from apisales.domain.fulfilment import Fulfilment
from apisales.domain.ownership import Owner, Ownership, Refusal
from apisales.domain.users import UserRecord

T = TypeVar("T")

# Stripe lists events "going back up to 30 days" (API reference, List all events): an
# incremental pass from an older cursor would miss changes, so a full pass is run instead.
EVENT_RETENTION_S = 30 * 86400
# Our clock and Stripe's differ a little; the window reaches back this far (harmless: a
# customer seen twice is synced twice, idempotently).
CLOCK_MARGIN_S = 300


class PassKind(StrEnum):
    INCREMENTAL = "incremental"
    FULL = "full"


class Status(StrEnum):
    FINISHED = "finished"  # both walks done: counts as a run (SweepRuns)
    PAUSED = "paused"  # out of time: the cursor is stored, the next run resumes
    BUSY = "busy"  # another sweep holds the lease: nothing done
    LEASE_LOST = "lease_lost"  # our lease expired mid-run and another sweep took it
    FAILED = "failed"  # a dependency failed: the cursor of the last whole page is stored


@dataclass(frozen=True)
class SweepCursor:
    """Where the sweep is; stored after every page (adapters/dynamo_sweep_ledger.py)."""

    events_since: int | None = None  # next incremental pass lists events created from here
    full_pass_at: int | None = None  # when the last full pass finished (our clock)
    full_after: str | None = None  # a full pass in progress: the last subscription id done
    full_started_at: int | None = None  # ... and when it started
    users_after: str | None = None  # a users walk in progress: the last user id done
    stripe_done: bool = False  # this run's Stripe walk is finished; the users walk is next


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next: str | None  # the cursor of the next page; None: this was the last


@dataclass(frozen=True)
class ChangedCustomers:
    customers: tuple[str, ...]
    newest_event: int | None  # ``created`` of the newest event listed, Stripe's clock


class SweepSource(Protocol):
    """Stripe, as the sweep walks it (every call inside the client-side rate limit)."""

    def changed_customers(self, since: int) -> ChangedCustomers:
        """Customers of the subscription, invoice and checkout events created since ``since``."""

    def subscription_customers(self, starting_after: str | None) -> Page[str]:
        """One page of *all* subscriptions (``status=all``), oldest id order as Stripe lists;
        the customers on it and the cursor (last subscription id) of the next page."""


class UserWalk(Protocol):
    def drifted_users(self, start_after: str | None) -> Page[UserRecord]:
        """One page of the users table: the users with a key whose ``key_plan`` is not
        their record's ``plan`` (no ``plan``: the default plan); ``next`` is the last user
        id read."""


class SweepLedger(Protocol):
    """The sweep's one item: the lease and the cursor, each write conditional."""

    def acquire(self, owner: str, now: int, lease_s: int) -> SweepCursor | None:
        """Take the lease if nobody holds a live one; the stored cursor, or None if busy."""

    def save(self, owner: str, cursor: SweepCursor, now: int, lease_s: int) -> bool:
        """Store the cursor and extend the lease, only if it is still ours."""

    def release(self, owner: str, cursor: SweepCursor) -> None:
        """Store the cursor and give the lease up (only if still ours)."""


@dataclass(frozen=True)
class Correction:
    user_id: str
    plan_before: str | None  # the record's plan
    key_plan_before: str | None  # the plan the key was on
    plan_after: str

    @property
    def plan_changed(self) -> bool:
        return self.plan_before != self.plan_after


@dataclass
class SweepReport:
    status: Status
    kind: PassKind | None = None
    customers_checked: int = 0
    users_checked: int = 0
    corrections: list[Correction] = field(default_factory=list)
    refused: int = 0  # ownership refusals (security ones are logged by the caller)
    security_refusals: list[Refusal] = field(default_factory=list)
    pages: int = 0
    error: Exception | None = None  # what failed (status FAILED); the caller re-raises it

    def as_log(self) -> dict[str, object]:
        return {
            "sweep_status": self.status.value,
            "sweep_kind": self.kind.value if self.kind else None,
            "customers_checked": self.customers_checked,
            "users_checked": self.users_checked,
            "corrections": len(self.corrections),
            "corrected_user_ids": [c.user_id for c in self.corrections][:50],
            "refused": self.refused,
            "pages": self.pages,
            **({"error": type(self.error).__name__} if self.error else {}),
        }


@dataclass(frozen=True)
class SweepSettings:
    concurrency: int = 4  # customers synced at once (each sync is several Stripe/AWS calls)
    full_every_s: int = 86400  # a full pass at least this often
    lease_s: int = 360  # longer than the function's timeout: a live run never loses it
    stop_margin_s: float = 30.0  # stop (and store the cursor) this long before the deadline


@dataclass
class Sweep:
    source: SweepSource
    users: UserWalk
    ledger: SweepLedger
    ownership: Ownership
    fulfilment: Fulfilment
    key_service: KeyService
    catalog: PlanCatalog
    settings: SweepSettings = SweepSettings()
    clock: Callable[[], float] = time.time
    # Seconds left before the function is stopped (Lambda's remaining time).
    time_left: Callable[[], float] = lambda: float("inf")
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    _saved: SweepCursor = field(default=SweepCursor(), init=False, repr=False)

    def run(self, full: bool = False) -> SweepReport:
        """One run. A failed dependency does not raise: the report says FAILED and carries
        the error, so the caller can report the corrections made before it, then raise."""
        now = int(self.clock())
        cursor = self.ledger.acquire(self.owner, now, self.settings.lease_s)
        if cursor is None:
            return SweepReport(Status.BUSY)
        report = SweepReport(Status.FINISHED)
        self._saved = cursor
        try:
            cursor = self._walk(cursor, full, report)
        except _Stop as stop:
            report.status = stop.status
            cursor = stop.cursor
            if stop.status is Status.LEASE_LOST:
                return report
        except Exception as error:
            # A failed dependency: give the lease back with the cursor of the last finished
            # page, so a retry resumes at once (if this fails too, the lease just expires).
            # The report keeps what was corrected before the failure: it happened.
            with contextlib.suppress(Exception):
                self.ledger.release(self.owner, self._saved)
            report.status, report.error = Status.FAILED, error
            return report
        self.ledger.release(self.owner, cursor)
        return report

    # -- the two walks -----------------------------------------------------------------------
    def _walk(self, cursor: SweepCursor, full: bool, report: SweepReport) -> SweepCursor:
        if not cursor.stripe_done:
            cursor = self._stripe_walk(cursor, full, report)
        cursor = self._users_walk(cursor, report)
        return replace(cursor, stripe_done=False, users_after=None)

    def _full_due(self, cursor: SweepCursor, now: int) -> bool:
        if cursor.full_after is not None or cursor.events_since is None:
            return True
        if cursor.full_pass_at is None or now - cursor.full_pass_at >= self.settings.full_every_s:
            return True
        return now - cursor.events_since > EVENT_RETENTION_S - CLOCK_MARGIN_S

    def _stripe_walk(self, cursor: SweepCursor, full: bool, report: SweepReport) -> SweepCursor:
        now = int(self.clock())
        if full or self._full_due(cursor, now):
            report.kind = PassKind.FULL
            started = cursor.full_started_at or now
            if cursor.full_after is None:
                cursor = replace(cursor, full_started_at=started)
            after = cursor.full_after
            while True:
                self._check_time(cursor)
                page = self.source.subscription_customers(after)
                self._sync_customers(page.items, report)
                report.pages += 1
                if page.next is None:
                    break
                after = page.next
                cursor = self._save(replace(cursor, full_after=after))
            # Everything changed since the pass started is the next incremental window.
            return self._save(replace(
                cursor, full_after=None, full_started_at=None, full_pass_at=int(self.clock()),
                events_since=started - CLOCK_MARGIN_S, stripe_done=True,
            ))  # fmt: skip
        report.kind = PassKind.INCREMENTAL
        assert cursor.events_since is not None
        self._check_time(cursor)
        changed = self.source.changed_customers(cursor.events_since)
        self._sync_customers(changed.customers, report)
        report.pages += 1
        since = cursor.events_since
        if changed.newest_event is not None:
            # ``created[gte]``: events of that very second are listed again next time.
            since = max(since, changed.newest_event)
        return self._save(replace(cursor, events_since=since, stripe_done=True))

    def _users_walk(self, cursor: SweepCursor, report: SweepReport) -> SweepCursor:
        after = cursor.users_after
        while True:
            self._check_time(cursor)
            page = self.users.drifted_users(after)
            self._sync_users(page.items, report)
            report.pages += 1
            if page.next is None:
                return cursor
            after = page.next
            cursor = self._save(replace(cursor, users_after=after))

    # -- one customer, one user ----------------------------------------------------------------
    def _sync_customers(self, customers: Iterable[str], report: SweepReport) -> None:
        unique = sorted(set(customers))
        report.customers_checked += len(unique)
        self._each(unique, self._sync_customer, report)

    def _sync_users(self, records: Sequence[UserRecord], report: SweepReport) -> None:
        report.users_checked += len(records)
        self._each(list(records), self._sync_user, report)

    def _each(self, items: Sequence[T], work: Callable[[T], object],
              report: SweepReport) -> None:
        """Run ``work`` on every item, ``concurrency`` at a time; the first error is raised
        once all have finished (the page then counts as not done and is walked again)."""
        if not items:
            return
        with ThreadPoolExecutor(max_workers=self.settings.concurrency) as pool:
            results = list(pool.map(lambda item: _outcome(work, item), items))
        error: BaseException | None = None
        for result in results:
            if isinstance(result, BaseException):
                error = error or result
            elif isinstance(result, Correction):
                report.corrections.append(result)
            elif isinstance(result, Refusal):
                report.refused += 1
                if result.security:
                    report.security_refusals.append(result)
        if error is not None:
            raise error

    def _sync_customer(self, customer_id: str) -> Correction | Refusal | None:
        owner = self.ownership.owner_of_customer(customer_id)
        if isinstance(owner, Refusal):
            return owner
        return self._sync_owner(owner)

    def _sync_owner(self, owner: Owner) -> Correction | Refusal | None:
        before = self.fulfilment.users.get(owner.user_id)
        try:
            outcome = self.fulfilment.sync(owner.user_id, owner.customer_id)
        except CustomerConflict as conflict:  # rebound since the check: the rule refuses
            return Refusal("user_bound_to_another_customer", True, {
                "user_id": conflict.user_id, "customer_id": conflict.customer_id})
        except AccountClosed:  # deleted: nothing to correct; deletion closed its billing
            return None
        return _correction(owner.user_id, before, outcome.plan, self.catalog.default_plan)

    def _sync_user(self, record: UserRecord) -> Correction | Refusal | None:
        if record.closed:  # a deleted account's tombstone: no key, nothing to sync
            return None
        if record.stripe_customer_id:
            owner = self.ownership.owner_of_customer(record.stripe_customer_id)
            if isinstance(owner, Refusal):
                return owner
            if owner.user_id != record.user_id:  # the customer's one user is someone else
                return Refusal("customer_bound_to_another_user", True, {
                    "user_id": record.user_id, "customer_id": record.stripe_customer_id,
                    "bound_user_id": owner.user_id})
            return self._sync_owner(owner)
        # No customer, so no Stripe state: the key belongs on the plan the record names.
        before = self.fulfilment.users.get(record.user_id)
        if before is None or not before.api_key_id:
            return None
        plan = self.catalog.plan(before.plan) if before.plan else self.catalog.default
        self.key_service.ensure_key(record.user_id, plan)
        return _correction(record.user_id, before, plan.name, self.catalog.default_plan)

    # -- cursor and time ----------------------------------------------------------------------
    def _save(self, cursor: SweepCursor) -> SweepCursor:
        if not self.ledger.save(self.owner, cursor, int(self.clock()), self.settings.lease_s):
            raise _Stop(Status.LEASE_LOST, cursor)
        self._saved = cursor
        return cursor

    def _check_time(self, cursor: SweepCursor) -> None:
        if self.time_left() < self.settings.stop_margin_s:
            raise _Stop(Status.PAUSED, cursor)


class _Stop(Exception):
    def __init__(self, status: Status, cursor: SweepCursor) -> None:
        super().__init__(status.value)
        self.status = status
        self.cursor = cursor


def _outcome(work: Callable[[T], object], item: T) -> object:
    try:
        return work(item)
    except Exception as error:  # collected; raised by the caller once the page has finished
        return error


def _correction(
    user_id: str, before: UserRecord | None, plan_after: str, default_plan: str
) -> Correction | None:
    """A correction when the record's plan, or the plan the user's key was on, was not the
    one Stripe gives. A record without ``plan`` is on the default plan (keys are issued
    before any payment); a user without a key had no key on a wrong plan."""
    plan_before = (before.plan if before else None) or default_plan
    has_key = before is not None and before.api_key_id is not None
    key_plan_before = before.key_plan if has_key and before else None
    if plan_before == plan_after and (not has_key or key_plan_before == plan_after):
        return None
    return Correction(user_id, plan_before, key_plan_before, plan_after)
