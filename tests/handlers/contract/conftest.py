"""Each port's contract, run on its in-memory fake (marked ``fast``) and on the real adapter
against ministack: the same cases, so the fast tier's fakes keep the adapters' behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from apisales.domain.entitlements import Plan
from apisales.domain.ports import (
    ApiKeys,
    Billing,
    CheckoutSessions,
    IdentityAttributes,
    ProcessedEvents,
    UserStore,
)
from apisales.domain.sweep import SweepLedger, SweepSource, UserWalk
from tests.fakes import (
    InMemoryApiKeys,
    InMemoryCheckoutSessions,
    InMemoryIdentity,
    InMemoryProcessedEvents,
    InMemorySweepLedger,
    InMemoryUserStore,
)
from tests.handlers.aws_env import AwsStack
from tests.handlers.fake_stripe import FakeStripe

IMPLEMENTATIONS = [pytest.param("fake", marks=pytest.mark.fast), "ministack"]


def _aws(request: pytest.FixtureRequest) -> AwsStack:
    """The ministack stack (started only for the ``ministack`` side)."""
    stack: AwsStack = request.getfixturevalue("aws")
    return stack


@pytest.fixture(params=IMPLEMENTATIONS)
def users(request: pytest.FixtureRequest) -> UserStore:
    if request.param == "fake":
        return InMemoryUserStore()
    from apisales.adapters.dynamo_users import DynamoUserStore

    return DynamoUserStore(_aws(request).users_table)


@dataclass
class KeysUnderTest:
    keys: ApiKeys
    free: Plan
    pro: Plan
    plans_of: Callable[[str], set[str]]  # usage plan ids the key is a member of

    @property
    def all_plans(self) -> tuple[Plan, Plan]:
        return self.free, self.pro


@pytest.fixture(params=IMPLEMENTATIONS)
def api_keys(request: pytest.FixtureRequest) -> KeysUnderTest:
    if request.param == "fake":
        fake = InMemoryApiKeys()
        return KeysUnderTest(fake, Plan("FREE", "up-free", None),
                             Plan("PRO", "up-pro", "FMMailPro"), fake.plans_of)  # fmt: skip
    from apisales.adapters.apigw_keys import ApiGatewayKeys

    aws = _aws(request)

    def plans_of(key_id: str) -> set[str]:
        return {p for p in (aws.free_plan_id, aws.pro_plan_id) if key_id in aws.plan_key_ids(p)}

    return KeysUnderTest(ApiGatewayKeys(), Plan("FREE", aws.free_plan_id, None),
                         Plan("PRO", aws.pro_plan_id, "FMMailPro"), plans_of)  # fmt: skip


@dataclass
class IdentityUnderTest:
    identity: IdentityAttributes
    create_user: Callable[[str], None]  # a user signs up
    attributes: Callable[[str], dict[str, str]]  # the user's custom attributes now
    no_such_user: Callable[[str], None]  # the user is not (or no longer) in the pool


@pytest.fixture(params=IMPLEMENTATIONS)
def identity(request: pytest.FixtureRequest) -> IdentityUnderTest:
    if request.param == "fake":
        fake = InMemoryIdentity()

        def create(user_id: str) -> None:
            fake.attributes.setdefault(user_id, {})

        def attributes(user_id: str) -> dict[str, str]:
            return dict(fake.attributes.get(user_id, {}))

        def unknown(user_id: str) -> None:
            fake.deleted.add(user_id)

        return IdentityUnderTest(fake, create, attributes, unknown)
    from apisales.adapters.cognito_attributes import CognitoAttributes

    aws = _aws(request)
    return IdentityUnderTest(CognitoAttributes(aws.user_pool_id), aws.create_user,
                             aws.cognito_attributes, lambda _user: None)  # fmt: skip


@pytest.fixture(params=IMPLEMENTATIONS)
def processed_events(request: pytest.FixtureRequest) -> ProcessedEvents:
    if request.param == "fake":
        return InMemoryProcessedEvents()
    from apisales.adapters.dynamo_records import ProcessedEvents as DynamoProcessedEvents

    return DynamoProcessedEvents(_aws(request).events_table)


@pytest.fixture(params=IMPLEMENTATIONS)
def checkout_sessions(request: pytest.FixtureRequest) -> CheckoutSessions:
    if request.param == "fake":
        return InMemoryCheckoutSessions()
    from apisales.adapters.dynamo_records import CheckoutSessions as DynamoCheckoutSessions

    return DynamoCheckoutSessions(_aws(request).sessions_table)


@dataclass
class BillingUnderTest:
    billing: Billing
    pay: Callable[[str], None]  # the customer pays a Checkout Session on the hosted page
    portal_configuration: str  # the stack's (infra/stripe_catalog.py)


@pytest.fixture(params=[pytest.param("fake", marks=pytest.mark.fast), "stripe_double"])
def billing(request: pytest.FixtureRequest) -> BillingUnderTest:
    """The Stripe port: its fake, or the real adapter through the SDK on the Stripe double."""
    if request.param == "fake":
        fake = FakeStripe()
        def pay_fake(session_id: str) -> None:
            fake.pay(session_id)

        return BillingUnderTest(fake, pay_fake, "bpc_test_stack_portal")
    from apisales.adapters.stripe_billing import StripeBilling
    from sandbox.stripe_double import StripeDouble
    from tests.fixtures.stripe_double import client_for

    double: StripeDouble = request.getfixturevalue("stripe_double")

    def pay(session_id: str) -> None:
        double.pay_checkout_session(session_id)

    portal = client_for(double).v1.billing_portal.configurations.create(params={"features": {
        "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
        "payment_method_update": {"enabled": True}, "invoice_history": {"enabled": True},
    }})  # fmt: skip
    return BillingUnderTest(StripeBilling(double.api_key, double.url), pay, portal.id)


@pytest.fixture(params=IMPLEMENTATIONS)
def sweep_ledger(request: pytest.FixtureRequest) -> SweepLedger:
    if request.param == "fake":
        return InMemorySweepLedger()
    from apisales.adapters.dynamo_sweep import DynamoSweepLedger

    return DynamoSweepLedger(_aws(request).create_program_table("sweep-state"))


@dataclass
class WalkUnderTest:
    users: UserStore  # to write the records the walk reads
    walk: UserWalk


@pytest.fixture(params=IMPLEMENTATIONS)
def user_walk(request: pytest.FixtureRequest) -> WalkUnderTest:
    if request.param == "fake":
        fake = InMemoryUserStore("FREE", walk_page_size=2)  # pages cross in the fake at least
        return WalkUnderTest(fake, fake)
    from apisales.adapters.dynamo_sweep import DynamoUserWalk
    from apisales.adapters.dynamo_users import DynamoUserStore

    table = _aws(request).users_table
    return WalkUnderTest(DynamoUserStore(table), DynamoUserWalk(table, "FREE"))


@dataclass
class SweepSourceUnderTest:
    source: SweepSource
    billing: Billing  # to make customers and subscriptions
    pay: Callable[[str], None]  # the customer pays a Checkout Session
    later: Callable[[int], None]  # Stripe's clock moves on by this many seconds


@pytest.fixture(params=[pytest.param("fake", marks=pytest.mark.fast), "stripe_double"])
def sweep_source(request: pytest.FixtureRequest) -> SweepSourceUnderTest:
    """Stripe as the sweep walks it: the fake, or the real adapter on the Stripe double."""
    if request.param == "fake":
        clock = [1_800_000_000.0]
        fake = FakeStripe(clock=lambda: clock[0], list_page_size=2)

        def pay_fake(session_id: str) -> None:
            fake.pay(session_id)

        def later(seconds: int) -> None:
            clock[0] += seconds

        return SweepSourceUnderTest(fake, fake, pay_fake, later)
    from apisales.adapters.stripe_billing import StripeBilling
    from apisales.adapters.stripe_sweep import StripeSweepSource
    from sandbox.stripe_double import StripeDouble
    from tests.fixtures.stripe_double import client_for

    double: StripeDouble = request.getfixturevalue("stripe_double")

    def pay(session_id: str) -> None:
        double.pay_checkout_session(session_id)

    def later_on_double(seconds: int) -> None:
        double.advance_clock(seconds)

    return SweepSourceUnderTest(StripeSweepSource(client_for(double)),
                                StripeBilling(double.api_key, double.url), pay,
                                later_on_double)  # fmt: skip
