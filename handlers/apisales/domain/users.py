"""The user record as the domain sees it (the table layout lives in the DynamoDB adapter)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UserRecord:
    user_id: str
    stripe_customer_id: str | None = None
    subscription_id: str | None = None
    subscription_status: str | None = None
    cancel_at_period_end: bool = False
    current_period_end: int | None = None
    plan: str | None = None
    api_key_id: str | None = None
    key_plan: str | None = None
    language: str | None = None  # for mails: the console's language (domain/language.py)
    first_seen_at: int | None = None  # the account function's first answer to this user
    # Set when deletion starts and kept in the tombstone: no key, checkout or sync after it.
    deleting_at: int | None = None
    deleted_at: int | None = None

    @property
    def closed(self) -> bool:
        """Deleted or being deleted (``DELETE /account``, docs/account-deletion.md)."""
        return self.deleting_at is not None
