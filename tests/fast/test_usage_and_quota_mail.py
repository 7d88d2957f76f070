"""The usage route and the quota mail on fakes: the figures a customer reads, and the mails
they get (once per threshold per period, never twice, a failed send retried next run)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from apisales import container
from apisales.domain.quota_mail import KeyedUser
from apisales.routes import account, quota_mail
from tests.fakes import (
    InMemoryAddresses,
    InMemoryApiKeys,
    InMemoryMailer,
    InMemoryQuotaMailMarks,
    InMemoryUsage,
    InMemoryUserStore,
)
from tests.handlers.events import api_event, call

FREE, PRO = "up-free", "up-pro"
CATALOG = {"default_plan": "FREE", "plans": [
    {"name": "FREE", "usage_plan_id": FREE, "price_lookup_key": None,
     "quota": {"limit": 1000, "period": "MONTH"}},
    {"name": "PRO", "usage_plan_id": PRO, "price_lookup_key": "FMMailPro",
     "quota": {"limit": 100000, "period": "MONTH"}},
]}  # fmt: skip
NOW = dt.datetime(2026, 11, 3, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 30)
SENDER = "quota@seller.example"


@dataclass
class Fakes:
    users: InMemoryUserStore = field(default_factory=InMemoryUserStore)
    keys: InMemoryApiKeys = field(default_factory=InMemoryApiKeys)
    usage: InMemoryUsage = field(default_factory=lambda: InMemoryUsage({FREE: 1000}))
    addresses: InMemoryAddresses = field(default_factory=InMemoryAddresses)
    mailer: InMemoryMailer = field(default_factory=InMemoryMailer)

    def customer(self, user: str, language: str = "en") -> str:
        """A user who opened the console in ``language`` and took a key."""
        self.addresses.emails[user] = f"{user}@example.com"
        call(account.lambda_handler, api_event("GET", "/account", user=user,
                                               headers={"Accept-Language": language}))
        status, key = call(account.lambda_handler, api_event("POST", "/account/api-key",
                                                             user=user))
        assert status in (200, 201)
        return str(key["id"])


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    for name, value in {"PLAN_CATALOG": json.dumps(CATALOG), "USERS_TABLE": "users-fast",
                        "WEB_BASE_URL": "https://app.example.test",
                        "QUOTA_MAIL_SENDER": SENDER}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    container.reset()
    world = Fakes()
    container.override(users=world.users, api_keys=world.keys, usage=world.usage,
                       clock=lambda: NOW, quota_mail_marks=InMemoryQuotaMailMarks(world.users),
                       addresses=world.addresses, mailer=world.mailer)  # fmt: skip
    yield world
    container.reset()


def test_usage_is_the_keys_calls_in_the_current_period(fakes: Fakes) -> None:
    key = fakes.customer("uma")
    fakes.usage.record(FREE, key, dt.date(2026, 10, 31), 500)  # the previous period
    fakes.usage.record(FREE, key, dt.date(2026, 11, 1), 40)
    fakes.usage.record(FREE, key, dt.date(2026, 11, 3), 5)
    status, body = call(account.lambda_handler, api_event("GET", "/account/usage", user="uma"))
    assert status == 200
    assert (body["plan"], body["used"], body["remaining"]) == ("FREE", 45, 955)
    assert [d["used"] for d in body["days"]] == [40, 0, 5]
    assert body["resets_at"] == "2026-12-01T00:00:00Z"


def test_usage_without_figures_is_503_never_a_number(fakes: Fakes) -> None:
    fakes.customer("wes")
    fakes.usage.available = False
    status, body = call(account.lambda_handler, api_event("GET", "/account/usage", user="wes"))
    assert status == 503 and body["error"]["code"] == "usage_unavailable"


def test_a_crossing_is_mailed_once(fakes: Fakes) -> None:
    key = fakes.customer("ann")
    fakes.usage.record(FREE, key, dt.date(2026, 11, 2), 799)
    assert quota_mail.run(TODAY) == 0
    fakes.usage.record(FREE, key, dt.date(2026, 11, 3), 1)
    assert quota_mail.run(TODAY) == 1
    assert quota_mail.run(TODAY) == 0
    (mail,) = fakes.mailer.sent
    assert (mail.sender, mail.to) == (SENDER, "ann@example.com")
    assert mail.subject == "You have used 80% of your API quota"


def test_both_thresholds_at_once_send_only_the_100_mail(fakes: Fakes) -> None:
    fakes.usage.record(FREE, fakes.customer("ann"), dt.date(2026, 11, 2), 1200)
    assert quota_mail.run(TODAY) == 1 and quota_mail.run(TODAY) == 0
    assert [m.subject for m in fakes.mailer.sent] == ["You have used all of your API quota"]


def test_a_refused_send_is_released_and_sent_by_the_next_run(fakes: Fakes) -> None:
    fakes.usage.record(FREE, fakes.customer("ann"), dt.date(2026, 11, 2), 950)
    fakes.mailer.refuse = True
    with pytest.raises(RuntimeError, match="1 quota mail"):
        quota_mail.run(TODAY)
    assert "quota_mail_80" not in fakes.users.items["ann"]
    fakes.mailer.refuse = False
    assert quota_mail.run(TODAY) == 1 and quota_mail.run(TODAY) == 0


def test_overlapping_runs_that_read_the_same_users_send_one_mail(fakes: Fakes) -> None:
    fakes.usage.record(FREE, fakes.customer("ann"), dt.date(2026, 11, 2), 820)
    marks = InMemoryQuotaMailMarks(fakes.users)
    stale = list(marks.keyed_users((80, 100)))

    class Stale(InMemoryQuotaMailMarks):
        def keyed_users(self, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
            return iter(stale)

    container.override(quota_mail_marks=Stale(fakes.users))
    assert quota_mail.run(TODAY) + quota_mail.run(TODAY) == 1
    assert len(fakes.mailer.sent) == 1
