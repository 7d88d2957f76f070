"""In-memory fakes of every port in ``apisales.domain.ports``, for the fast tier.

Each fake keeps the conditions its real adapter enforces (the DynamoDB condition
expressions, API Gateway's one-key-per-plan membership, Stripe's "no such object"), and
``tests/handlers/contract`` runs the same cases against the fake and the real adapter on
ministack, so the fakes cannot drift from what the rules rely on. One fake per port:
``InMemoryUserStore`` is also the sweep's ``UserWalk``; the Stripe ports' fake (``Billing``
and the sweep's ``SweepSource``) is :class:`tests.handlers.fake_stripe.FakeStripe`, where the
handler tests have always found it.
"""

from tests.fakes.api_keys import InMemoryApiKeys
from tests.fakes.identity import InMemoryIdentity
from tests.fakes.quota_mail import InMemoryAddresses, InMemoryMailer, InMemoryQuotaMailMarks
from tests.fakes.records import InMemoryCheckoutSessions, InMemoryProcessedEvents
from tests.fakes.sweep_ledger import InMemorySweepLedger
from tests.fakes.usage import InMemoryUsage
from tests.fakes.users import InMemoryUserStore
from tests.handlers.fake_stripe import FakeStripe

__all__ = [
    "FakeStripe",
    "InMemoryAddresses",
    "InMemoryApiKeys",
    "InMemoryCheckoutSessions",
    "InMemoryIdentity",
    "InMemoryMailer",
    "InMemoryProcessedEvents",
    "InMemoryQuotaMailMarks",
    "InMemorySweepLedger",
    "InMemoryUsage",
    "InMemoryUserStore",
]
