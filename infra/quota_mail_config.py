"""``api-sales:quotaMail``: whether and how customers are told they are running out of quota.

Off unless set: the stack then mails the stack's customers, so the seller opts in.

```yaml
api-sales:quotaMail:
  from: "FM Mail <no-reply@seller.example>"   # the sender; default: sesEmail.from
  sourceArn: arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example
                                              # a verified SES identity; default: sesEmail's
  schedule: rate(1 hour)                      # EventBridge Scheduler expression (default)
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from infra.config_errors import ConfigError

KEY = "quotaMail"
DEFAULT_SCHEDULE = "rate(1 hour)"
_SOURCE_ARN = re.compile(r"arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity/.+")
# EventBridge Scheduler: rate(<value> <unit>) or cron(<six fields>) (Scheduler user guide,
# "Schedule types"). GetUsage data lags by up to about half an hour, so more often than
# every 15 minutes buys nothing.
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((\S+ ){5}\S+\)")


@dataclass(frozen=True)
class QuotaMailConfig:
    sender: str  # the From of every quota mail
    source_arn: str  # the SES identity the function may send as
    schedule: str = DEFAULT_SCHEDULE


def parse_quota_mail(raw: Any, ses_source_arn: str | None = None,
                     ses_from: str | None = None) -> QuotaMailConfig | None:  # fmt: skip
    if raw is None or raw is False:
        return None
    if raw is True:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(KEY, "must be an object (from, sourceArn, schedule) or true")
    unknown = set(raw) - {"from", "sourceArn", "schedule"}
    if unknown:
        raise ConfigError(f"{KEY}.{sorted(unknown)[0]}", "is not a known key")
    source_arn = raw.get("sourceArn", ses_source_arn)
    if not isinstance(source_arn, str) or not _SOURCE_ARN.fullmatch(source_arn):
        raise ConfigError(f"{KEY}.sourceArn", "must be the ARN of a verified SES identity "
                          "(or set sesEmail.sourceArn)")  # fmt: skip
    identity = source_arn.split(":identity/", 1)[1]
    sender = raw.get("from", ses_from) or (identity if "@" in identity else None)
    if not isinstance(sender, str) or "@" not in parseaddr(sender)[1]:
        raise ConfigError(f"{KEY}.from", "must be a mail address (the identity is a domain)")
    address = parseaddr(sender)[1]
    if not (address == identity or address.rsplit("@", 1)[1] == identity.split("@")[-1]):
        raise ConfigError(f"{KEY}.from", f"{address} is not of the SES identity {identity}")
    schedule = raw.get("schedule", DEFAULT_SCHEDULE)
    rate = _RATE.fullmatch(schedule) if isinstance(schedule, str) else None
    if not (rate or (isinstance(schedule, str) and _CRON.fullmatch(schedule))):
        raise ConfigError(f"{KEY}.schedule", "must be rate(<n> minutes|hours|days) or cron(...)")
    if rate and rate.group(2).startswith("minute") and int(rate.group(1)) < 15:
        raise ConfigError(f"{KEY}.schedule", "at most every 15 minutes (usage data lags)")
    return QuotaMailConfig(sender=sender, source_arn=source_arn, schedule=schedule)
