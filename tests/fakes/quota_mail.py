"""The quota mail's ports in memory: the marks on the users' items, addresses, a mailbox.

:class:`InMemoryQuotaMailMarks` works on an :class:`~tests.fakes.users.InMemoryUserStore`'s
items, with the conditions of adapters/quota_mail_aws.py (a mark is claimed only on an
existing item whose mark is not this period's; released only while it is still ours).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from apisales.domain.quota_mail import KeyedUser
from tests.fakes.users import InMemoryUserStore


def _mark(threshold: int) -> str:
    return f"quota_mail_{threshold}"


class InMemoryQuotaMailMarks:
    def __init__(self, users: InMemoryUserStore) -> None:
        self.users = users

    def keyed_users(self, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
        with self.users.lock:
            found = [
                KeyedUser(user_id=user_id, api_key_id=item["api_key_id"],
                          plan=item.get("key_plan"), language=item.get("language"),
                          marks={t: item[_mark(t)] for t in thresholds if _mark(t) in item})
                for user_id, item in sorted(self.users.items.items()) if "api_key_id" in item
            ]  # fmt: skip
        return iter(found)

    def claim_mail(self, user_id: str, threshold: int, period: str) -> bool:
        with self.users.lock:
            item = self.users.items.get(user_id)
            if item is None or item.get(_mark(threshold)) == period:
                return False
            item[_mark(threshold)] = period
            return True

    def release_mail(self, user_id: str, threshold: int, period: str) -> None:
        with self.users.lock:
            item = self.users.items.get(user_id)
            if item is not None and item.get(_mark(threshold)) == period:
                del item[_mark(threshold)]


@dataclass
class InMemoryAddresses:
    emails: dict[str, str] = field(default_factory=dict)

    def email_of(self, user_id: str) -> str | None:
        return self.emails.get(user_id)


@dataclass(frozen=True)
class SentMail:
    sender: str
    to: str
    subject: str
    body: str


@dataclass
class InMemoryMailer:
    sent: list[SentMail] = field(default_factory=list)
    refuse: bool = False  # True: SES refuses the sender (an unverified identity)

    def send(self, sender: str, to: str, subject: str, body: str) -> None:
        if self.refuse:
            raise RuntimeError("Email address is not verified")
        self.sent.append(SentMail(sender, to, subject, body))
