"""``api-sales:quotaMail``: whether and how customers are told they are running out of quota.

Off unless set: the stack then mails the stack's customers, so the seller opts in.

```yaml
api-sales:quotaMail:
  from: "FM Mail <no-reply@seller.example>"   # the sender; default: sesEmail.from
  sourceArn: arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example
                                              # a verified SES identity; default: sesEmail's
  schedule: rate(1 hour)                      # EventBridge Scheduler expression (default)
```
(``api-sales:quotaMail: true`` takes every default.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from pydantic import Field, StrictStr, field_validator

from infra.config_errors import RuleBroken
from infra.config_types import Section, SesIdentityArn

KEY = "quotaMail"
DEFAULT_SCHEDULE = "rate(1 hour)"
# EventBridge Scheduler: rate(<value> <unit>) or cron(<six fields>) (Scheduler user guide,
# "Schedule types"). GetUsage data lags by up to about half an hour, so more often than
# every 15 minutes buys nothing.
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((\S+ ){5}\S+\)")


class QuotaMailSettings(Section):
    """What the seller wrote; :func:`resolve_quota_mail` fills the gaps from ``sesEmail``."""

    sender: StrictStr | None = Field(default=None, alias="from")
    source_arn: SesIdentityArn | None = None
    schedule: StrictStr = DEFAULT_SCHEDULE

    @field_validator("schedule")
    @classmethod
    def _scheduler_expression(cls, schedule: str) -> str:
        rate = _RATE.fullmatch(schedule)
        if not (rate or _CRON.fullmatch(schedule)):
            raise ValueError("must be rate(<n> minutes|hours|days) or cron(...)")
        if rate and rate.group(2).startswith("minute") and int(rate.group(1)) < 15:
            raise ValueError("at most every 15 minutes (usage data lags)")
        return schedule


def opt_in(raw: Any) -> Any:
    """``true`` is every default, ``false`` is off."""
    if raw is False:
        return None
    return {} if raw is True else raw


@dataclass(frozen=True)
class QuotaMailConfig:
    sender: str  # the From of every quota mail
    source_arn: str  # the SES identity the function may send as
    schedule: str = DEFAULT_SCHEDULE


def resolve_quota_mail(
    settings: QuotaMailSettings, ses_source_arn: str | None, ses_from: str | None
) -> QuotaMailConfig:
    """The sender and identity, defaulting to ``sesEmail``'s; raises :class:`RuleBroken`
    with the path under ``quotaMail``."""
    source_arn = settings.source_arn or ses_source_arn
    if source_arn is None:
        raise RuleBroken("must be the ARN of a verified SES identity (or set sesEmail.sourceArn)",
                         "sourceArn")  # fmt: skip
    identity = source_arn.split(":identity/", 1)[1]
    sender = settings.sender or ses_from or (identity if "@" in identity else None)
    if sender is None or "@" not in parseaddr(sender)[1]:
        raise RuleBroken("must be a mail address (the identity is a domain)", "from")
    address = parseaddr(sender)[1]
    if not (address == identity or address.rsplit("@", 1)[1] == identity.split("@")[-1]):
        raise RuleBroken(f"{address} is not of the SES identity {identity}", "from")
    return QuotaMailConfig(sender=sender, source_arn=source_arn, schedule=settings.schedule)
