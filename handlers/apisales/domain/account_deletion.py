"""Deleting an account: the key stops working first, Cognito goes last.

``DELETE /account`` runs these steps, each an idempotent "make it so", in this order:

1. **Mark** the user record ``deleting_at`` (created if absent). From here on the record's
   conditional writes refuse a key claim, a key store, a customer binding and a
   subscription write, so no concurrent request or webhook can issue a key or sync a
   plan for the user (they get :class:`~apisales.domain.errors.AccountClosed`).
2. **Revoke the key**: every key of the user (the recorded one and any carrying the user's
   key name, left by a crashed issue) leaves its usage plans and is deleted. The key
   stops working here, before anything else can fail.
3. **Close billing** when the user has a Stripe customer: expire its open Checkout
   Sessions (none can be paid any more) and cancel every live subscription at once.
4. **Tombstone** the record: ``{user_id, deleting_at, deleted_at}`` replaces it, so the
   Stripe customer binding (the GSI), subscription facts and key id are gone, while a
   token issued before the deletion (valid up to an hour) or a late webhook still finds
   the account closed and can recreate nothing.
5. **Delete the Cognito user**, last: a user who is gone from Cognito never has a working
   key or a live subscription.

A failure at any step leaves the mark (step 1) in place, so nothing can be recreated,
and running the whole path again (the caller retries ``DELETE /account``) finishes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from apisales.domain.api_key import key_name
from apisales.domain.entitlements import PlanCatalog
from apisales.domain.ports import AccountRecords, ApiKeys, BillingClosure, UserDirectory


@dataclass(frozen=True)
class DeletionReport:
    user_id: str
    keys_deleted: int
    subscriptions_canceled: int


@dataclass
class AccountDeletion:
    records: AccountRecords
    keys: ApiKeys
    billing: Callable[[], BillingClosure]  # built on use: no Stripe for a user without one
    directory: UserDirectory
    catalog: PlanCatalog
    scope: str  # the users table's name, as in the key name
    clock: Callable[[], float] = time.time

    def delete(self, user_id: str) -> DeletionReport:
        now = int(self.clock())
        record = self.records.mark_deleting(user_id, now)
        key_ids = set(self.keys.ids_named(key_name(self.scope, user_id)))
        if record.api_key_id:
            key_ids.add(record.api_key_id)
        for key_id in sorted(key_ids):
            self.keys.delete(key_id, self.catalog.plans)
        canceled = 0
        if record.stripe_customer_id:
            canceled = close_billing(self.billing(), record.stripe_customer_id)
        self.records.write_tombstone(user_id, now)
        self.directory.delete_user(user_id)
        return DeletionReport(user_id, len(key_ids), canceled)


def close_billing(billing: BillingClosure, customer_id: str) -> int:
    """Nothing of the customer can be paid or charged any more; the live subscriptions
    canceled. Also used by the webhook when Stripe reports a deleted account's customer."""
    billing.expire_open_checkout_sessions(customer_id)
    return billing.cancel_subscriptions(customer_id)
