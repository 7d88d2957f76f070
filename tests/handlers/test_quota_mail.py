"""The quota mail: one mail per threshold per period, in the customer's language.

AWS is ministack (users table, Cognito, SES: sent mail read back from ministack's
``/_ministack/ses/messages``), except ``GetUsage``, which ministack lacks: the real
apigateway client answers it through botocore's ``Stubber``, which checks every request
and response against the service model.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from apisales import container
from apisales.adapters import aws as aws_clients
from apisales.adapters.quota_mail_aws import DynamoQuotaMailMarks
from apisales.domain.quota_mail import KeyedUser
from apisales.routes import account, quota_mail
from tests.handlers.aws_env import AwsStack
from tests.handlers.emf import business_metrics
from tests.handlers.events import api_event, call

SENDER = ""  # set per test by the ``mail`` fixture
TODAY = dt.date(2026, 11, 30)  # FREE is 1,000 calls a MONTH in the test catalog


@pytest.fixture
def mail(aws: AwsStack, monkeypatch: pytest.MonkeyPatch) -> AwsStack:
    global SENDER
    SENDER = f"quota-{uuid.uuid4().hex[:8]}@seller.example"  # ministack keeps every test's mail
    monkeypatch.setenv("QUOTA_MAIL_SENDER", SENDER)
    ses = aws.client("ses")
    for address in (SENDER, "ann@example.com", "jun@example.com"):
        ses.verify_email_identity(EmailAddress=address)  # SES's sandbox: both ends verified
    return aws


def sent_mail(aws: AwsStack) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{aws.endpoint}/_ministack/ses/messages") as response:
        by_account = json.load(response)["messages"]
    messages = sorted((m for ms in by_account.values() for m in ms), key=lambda m: m["Timestamp"])
    return [m for m in messages if m["Source"] == SENDER]


def customer(aws: AwsStack, user: str, language: str = "en") -> str:
    aws.create_user(user)
    call(account.lambda_handler, api_event("GET", "/account", user=user,
                                           headers={"Accept-Language": language}))
    _, key = call(account.lambda_handler, api_event("POST", "/account/api-key", user=user))
    return key["id"]


@pytest.fixture
def usage(mail: AwsStack) -> Iterator[dict[str, int]]:
    """Key id -> calls this period, as GetUsage will report it for the FREE plan."""
    calls: dict[str, int] = {}
    client = aws_clients.client("apigateway")
    stubber = Stubber(client)
    original = quota_mail.run

    def run(today: dt.date) -> int:
        start = today.replace(day=1).isoformat()
        for plan_id, items in ((mail.free_plan_id, calls), (mail.pro_plan_id, {})):
            stubber.add_response("get_usage", {
                "usagePlanId": plan_id, "startDate": start, "endDate": today.isoformat(),
                "items": {k: [[n, 1000 - n]] for k, n in items.items()}},
                {"usagePlanId": plan_id, "startDate": start, "endDate": today.isoformat()})
        with stubber:
            result = original(today)
        stubber.assert_no_pending_responses()
        return result

    quota_mail.run_stubbed = run  # type: ignore[attr-defined]
    yield calls


def run(today: dt.date = TODAY) -> int:
    return quota_mail.run_stubbed(today)  # type: ignore[attr-defined]


def test_a_crossing_sends_exactly_one_mail_and_repeated_runs_none(
    mail: AwsStack, usage: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    key = customer(mail, "ann")
    usage[key] = 799
    assert run() == 0 and sent_mail(mail) == []
    usage[key] = 800
    business_metrics(capsys)
    assert run() == 1
    (first,) = sent_mail(mail)
    assert first["To"] == ["ann@example.com"]
    assert first["Subject"] == "You have used 80% of your API quota"
    assert "800 of the 1,000 calls your FREE plan allows this month" in first["BodyText"]
    assert "until it resets at 00:00 UTC on the 1st of next month" in first["BodyText"]
    assert "https://app.example.test/upgrade" in first["BodyText"]
    assert business_metrics(capsys)[("QuotaMailsSent",)] == 1
    assert run() == 0 and run() == 0
    assert len(sent_mail(mail)) == 1
    usage[key] = 1000
    assert run() == 1 and run() == 0
    assert [m["Subject"] for m in sent_mail(mail)] == [
        "You have used 80% of your API quota", "You have used all of your API quota"]


def test_a_new_period_mails_again(mail: AwsStack, usage: dict[str, int]) -> None:
    usage[customer(mail, "ann")] = 900
    assert run(TODAY) == 1
    assert run(TODAY) == 0
    assert run(dt.date(2026, 12, 1)) == 1  # December: a new quota period
    assert run(dt.date(2026, 12, 2)) == 0
    assert len(sent_mail(mail)) == 2


def test_both_thresholds_at_once_send_only_the_full_one(
    mail: AwsStack, usage: dict[str, int]
) -> None:
    usage[customer(mail, "ann")] = 1200
    assert run() == 1 and run() == 0
    assert [m["Subject"] for m in sent_mail(mail)] == ["You have used all of your API quota"]
    assert mail.user_item("ann")["quota_mail_80"] == mail.user_item("ann")["quota_mail_100"]


def test_japanese_for_a_customer_whose_console_is_japanese(
    mail: AwsStack, usage: dict[str, int]
) -> None:
    usage[customer(mail, "jun", "ja-JP,ja;q=0.9")] = 850
    assert run() == 1
    (sent,) = sent_mail(mail)
    assert sent["Subject"] == "APIの利用上限の80%に達しました"
    assert "今月利用できる1,000回のうち850回" in sent["BodyText"]
    assert "翌月1日 0:00（UTC）にリセット" in sent["BodyText"]
    assert "https://app.example.test/upgrade" in sent["BodyText"]


def test_a_send_that_fails_after_the_write_is_released_and_sent_by_the_next_run(
    mail: AwsStack, usage: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    usage[customer(mail, "ann")] = 950
    monkeypatch.setenv("QUOTA_MAIL_SENDER", "unverified@seller.example")  # SES refuses it
    with pytest.raises(RuntimeError, match="1 quota mail"):
        run()
    assert "quota_mail_80" not in mail.user_item("ann")
    monkeypatch.setenv("QUOTA_MAIL_SENDER", SENDER)
    assert run() == 1 and run() == 0
    assert len(sent_mail(mail)) == 1


def test_overlapping_runs_send_one_mail(mail: AwsStack, usage: dict[str, int]) -> None:
    """Two runs that both read the users before either wrote its mark (a slow run still going
    when the next one starts): only the conditional write decides, and it lets one through."""
    usage[customer(mail, "ann")] = 820
    marks = DynamoQuotaMailMarks(mail.users_table)
    container.override(quota_mail_marks=StaleUsers(marks, list(marks.keyed_users((80, 100)))))
    assert run() + run() == 1
    assert len(sent_mail(mail)) == 1


class StaleUsers:
    """The users table's marks, but every run reads the users as they were at ``stale``."""

    def __init__(self, marks: DynamoQuotaMailMarks, stale: list[KeyedUser]) -> None:
        self.marks = marks
        self.stale = stale

    def keyed_users(self, thresholds: tuple[int, ...]) -> Iterator[KeyedUser]:
        return iter(self.stale)

    def claim_mail(self, user_id: str, threshold: int, period: str) -> bool:
        return self.marks.claim_mail(user_id, threshold, period)

    def release_mail(self, user_id: str, threshold: int, period: str) -> None:
        self.marks.release_mail(user_id, threshold, period)
