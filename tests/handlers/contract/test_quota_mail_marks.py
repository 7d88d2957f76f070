"""The quota mail's marks (``QuotaMailMarks``): one mail per user, threshold and period."""

from __future__ import annotations

import pytest

from apisales.domain.ports import QuotaMailMarks, UserStore
from tests.fakes import InMemoryQuotaMailMarks, InMemoryUserStore
from tests.handlers.contract.conftest import IMPLEMENTATIONS

THRESHOLDS = (80, 100)


@pytest.fixture(params=IMPLEMENTATIONS)
def store(request: pytest.FixtureRequest) -> tuple[UserStore, QuotaMailMarks]:
    if request.param == "fake":
        users = InMemoryUserStore()
        return users, InMemoryQuotaMailMarks(users)
    from apisales.adapters.dynamo_users import DynamoUserStore
    from apisales.adapters.quota_mail_aws import DynamoQuotaMailMarks
    from tests.handlers.aws_env import AwsStack

    aws: AwsStack = request.getfixturevalue("aws")
    return DynamoUserStore(aws.users_table), DynamoQuotaMailMarks(aws.users_table)


def _keyed(users: UserStore, user_id: str, key_id: str, plan: str, language: str) -> None:
    assert users.claim_key_issue(user_id, "tok", 0, 60)
    assert users.set_api_key(user_id, key_id, claim_token="tok")
    users.set_key_plan(user_id, key_id, plan)
    users.record_visit(user_id, language)


def test_only_users_with_a_key_are_listed_with_their_marks(
    store: tuple[UserStore, QuotaMailMarks],
) -> None:
    users, marks = store
    _keyed(users, "ann", "k-ann", "FREE", "ja")
    users.record_visit("bob", "en")  # no key: nothing to mail about
    assert marks.claim_mail("ann", 80, "2026-11-01")
    (ann,) = [u for u in marks.keyed_users(THRESHOLDS) if u.user_id in ("ann", "bob")]
    assert (ann.user_id, ann.api_key_id, ann.plan, ann.language) == ("ann", "k-ann", "FREE", "ja")
    assert ann.marks == {80: "2026-11-01"}


def test_a_mark_is_claimed_once_a_period_and_released_only_while_ours(
    store: tuple[UserStore, QuotaMailMarks],
) -> None:
    users, marks = store
    _keyed(users, "ann", "k-ann", "FREE", "en")
    assert marks.claim_mail("ann", 80, "2026-11-01") is True
    assert marks.claim_mail("ann", 80, "2026-11-01") is False
    marks.release_mail("ann", 80, "2026-10-01")  # not ours: kept
    assert marks.claim_mail("ann", 80, "2026-11-01") is False
    marks.release_mail("ann", 80, "2026-11-01")
    assert marks.claim_mail("ann", 80, "2026-11-01") is True
    assert marks.claim_mail("ann", 80, "2026-12-01") is True  # a new period


def test_no_mark_is_claimed_for_a_user_without_an_item(
    store: tuple[UserStore, QuotaMailMarks],
) -> None:
    _, marks = store
    assert marks.claim_mail("nobody", 80, "2026-11-01") is False
