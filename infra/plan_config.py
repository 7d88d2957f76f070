"""``api-sales:plans``: the plans on sale, each a usage plan (quota and throttle) and, when
paid, a Stripe price. Plans are data: adding a plan is a config change, never a code change.

```yaml
api-sales:plans:
  - name: FREE
    quota: {limit: 1000, period: MONTH}
    throttle: {rateLimit: 5, burstLimit: 10}
  - name: PRO
    quota: {limit: 100000, period: MONTH}
    throttle: {rateLimit: 50, burstLimit: 100}
    price: {lookupKey: FMMailPro, unitAmount: 980, currency: jpy, interval: month}
    features: [IMAP4 mail receiving]
```
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StrictBool, StrictStr, model_validator

from infra.config_errors import RuleBroken
from infra.config_types import PositiveInt, PositiveNumber, Section, check, matches

QuotaPeriod = Literal["DAY", "WEEK", "MONTH"]
PriceInterval = Literal["day", "week", "month", "year"]


class PriceConfig(Section):
    lookup_key: Annotated[
        StrictStr,
        check(matches(r"[A-Za-z0-9_.-]{1,200}"), "must be a Stripe price lookup key"),
    ]
    unit_amount: PositiveInt  # in the currency's smallest unit (yen, cents)
    currency: Annotated[
        StrictStr, check(matches(r"[a-z]{3}"), "must be a lower-case ISO currency code")
    ]
    interval: PriceInterval = "month"


class QuotaConfig(Section):
    limit: PositiveInt
    period: QuotaPeriod = "MONTH"


class ThrottleConfig(Section):
    rate_limit: PositiveNumber  # requests a second, steady
    burst_limit: PositiveInt


class PlanConfig(Section):
    name: Annotated[
        StrictStr,
        check(matches(r"[A-Z][A-Z0-9_]{0,31}"), "must be an upper-case name such as FREE or PRO"),
    ]
    quota: QuotaConfig
    throttle: ThrottleConfig
    # Paid when it has a price; `paid: true` without one is a mistake caught here.
    paid: StrictBool | None = None
    price: PriceConfig | None = None
    features: tuple[StrictStr, ...] = ()

    @model_validator(mode="after")
    def _paid_means_priced(self) -> PlanConfig:
        if self.paid and self.price is None:
            raise RuleBroken("is required for a paid plan", "price")
        if self.paid is False and self.price is not None:
            raise RuleBroken("is false but the plan has a price", "paid")
        return self

    @property
    def is_paid(self) -> bool:
        return self.price is not None

    @property
    def quota_limit(self) -> int:
        return self.quota.limit

    @property
    def quota_period(self) -> str:
        return self.quota.period

    @property
    def rate_limit(self) -> float:
        return self.throttle.rate_limit

    @property
    def burst_limit(self) -> int:
        return self.throttle.burst_limit


def distinct_plans(plans: tuple[PlanConfig, ...]) -> tuple[PlanConfig, ...]:
    """At least one plan; no name and no Stripe lookup key twice."""
    if not plans:
        raise ValueError("must be a non-empty list of plans")
    names: set[str] = set()
    lookup_keys: set[str] = set()
    for index, plan in enumerate(plans):
        if plan.name in names:
            raise RuleBroken(f"{plan.name!r} is configured twice", index, "name")
        names.add(plan.name)
        if plan.price:
            if plan.price.lookup_key in lookup_keys:
                raise RuleBroken(f"{plan.price.lookup_key!r} is used by two plans",
                                 index, "price", "lookupKey")  # fmt: skip
            lookup_keys.add(plan.price.lookup_key)
    return plans


