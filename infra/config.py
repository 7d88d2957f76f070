"""The stack's configuration as one validated model.

Every ``api-sales:*`` key the stack sets goes through :func:`load_config`: a bad value, or a
key the model does not know, stops the program before any resource is planned, with a
message naming the full key (``api-sales:plans[1].price.lookupKey: ...``). Each section is
its own model (infra/plan_config.py, alarm_config.py, quota_mail_config.py,
cancellation.py); the rules between sections are :meth:`StackConfig._rules_across_keys`.

Top-level scalar values reach the program as strings (``"true"``, ``"30"``) and are read
as such; structured values arrive as JSON text and are strict inside. The Stripe API key
is never a field: it stays a Pulumi secret Output (:attr:`StackConfig.stripe_secret_key`).
Switches only a sandbox may set are not here but in infra/sandbox_overlay.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from infra.alarm_config import AlarmEmail, AlarmsConfig, check_evaluation_range, distinct_emails
from infra.cancellation import Policy, parse_policy
from infra.config_errors import NAMESPACE, ConfigError, RuleBroken, config_error
from infra.config_source import namespace_values
from infra.config_types import (
    PositiveInt,
    PositiveNumber,
    Section,
    SesIdentityArn,
    check,
    https_url,
    matches,
)
from infra.plan_config import PlanConfig, PriceConfig, distinct_plans
from infra.quota_mail_config import QuotaMailConfig, QuotaMailSettings, opt_in, resolve_quota_mail
from infra.sandbox_overlay import NAMESPACE as SANDBOX_NAMESPACE

__all__ = ["ConfigError", "PlanConfig", "PriceConfig", "StackConfig", "load_config"]

# The only retention periods CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays):
# any other number fails the deploy half-way, after the functions exist (docs/limits.md).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip
SECRET_KEY = "stripeSecretKey"  # the one secret: read as a secret Output, never a field
# The first path segment of the product routes (infra/routes.py): a stage of the same name
# would make every product URL /v1/v1/...
PRODUCT_PATH_PREFIX = "v1"
# Cognito custom attributes the runtime depends on. Append-only: see infra/schema_guard.py.
REQUIRED_USER_ATTRIBUTES = ("plan_type", "stripe_customer_id")
# EventBridge Scheduler's rate() takes whole minutes (at least 1); a sweep less often than
# daily would leave drift for days, and the full pass is daily anyway.
SWEEP_INTERVAL_RANGE = (1, 1440)
# Stripe's rate limiter: 100 read operations a second in live mode, 25 in test mode (Stripe
# docs, "Rate limits"). The sweep may not take the whole live budget from the functions.
SWEEP_READS_MAX = 50.0
# CloudFront takes viewer certificates only from ACM in us-east-1.
_CLOUDFRONT_CERTIFICATE = r"arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}"
_HOST_NAME = r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"


def _from_json(value: Any) -> Any:
    """Structured config arrives as JSON text (what ``pulumi config`` hands a program)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as error:
        raise ValueError(f"is not valid structured config ({error})") from None


Structured = BeforeValidator(_from_json)


class StageThrottle(Section):
    """``api-sales:stageThrottle``: the whole stage's limit, above every plan's."""

    rate_limit: PositiveNumber = 100.0
    burst_limit: PositiveInt = 200


class SesEmailConfig(Section):
    """Cognito's mail sent through the seller's own SES identity (DEVELOPER sending)."""

    source_arn: SesIdentityArn  # arn:aws:ses:<region>:<account>:identity/<address or domain>
    from_address: StrictStr | None = Field(default=None, alias="from")  # "Example <no-reply@...>"
    configuration_set: StrictStr | None = None


@dataclass(frozen=True)
class ConsoleDomain:
    """A custom domain for the console's distribution, with its ACM certificate (us-east-1)."""

    name: str
    certificate_arn: str


def _stage_name(name: str) -> str:
    if name == PRODUCT_PATH_PREFIX:
        raise ValueError(
            f"{name!r} would make product URLs /{name}/{PRODUCT_PATH_PREFIX}/...; "
            "the API version is already in the product path (keep the default `api`)"
        )
    return name


def _extra_attribute(name: str) -> str:
    if name in REQUIRED_USER_ATTRIBUTES:
        raise ValueError(f"{name!r} is already built in")
    return name


ExtraAttribute = Annotated[
    StrictStr,
    check(matches(r"[a-z][a-z0-9_]{0,19}"),
          "must be a lower-case attribute name of at most 20 characters"),
    AfterValidator(_extra_attribute),
]  # fmt: skip


class StackConfig(BaseModel):
    """``api-sales:*``, one field a key (the key is the field's camelCase alias)."""

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel)

    plans: Annotated[tuple[PlanConfig, ...], AfterValidator(distinct_plans), Structured]
    default_plan_setting: str | None = Field(default=None, alias="defaultPlan")  # see default_plan
    # Stripe product names and the portal's headline
    business_name: Annotated[
        str,
        AfterValidator(str.strip),
        check(lambda v: 0 < len(v) <= 60, "must be a non-empty name of at most 60 characters"),
    ] = "api-sales"
    grace_on_past_due: bool = True
    upstream_url: Annotated[str, AfterValidator(lambda v: https_url(v, False))] | None = None
    stage_name: Annotated[str, AfterValidator(_stage_name)] = "api"
    stage_throttle: Annotated[StageThrottle, Structured] = StageThrottle()
    protect_stateful_resources: bool = True
    log_retention_days: Annotated[
        int,
        check(lambda v: v in LOG_RETENTION_DAYS,
              "must be a retention CloudWatch Logs accepts: "
              + ", ".join(map(str, LOG_RETENTION_DAYS))),
    ] = 30  # fmt: skip
    auth_domain_prefix: Annotated[
        str,
        check(matches(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"),
              "must be lower-case letters, digits and hyphens"),
    ] | None = None  # fmt: skip
    extra_user_attributes: Annotated[tuple[ExtraAttribute, ...], Structured] = ()
    # The API Gateway CloudWatch role is one per account and region, not per stack.
    manage_api_gateway_account: bool = False
    # Access logs need that role set in the account (by this stack or another).
    access_logs_setting: bool | None = Field(default=None, alias="accessLogs")  # see access_logs
    recovery_window_setting: Annotated[
        int, check(lambda v: v == 0 or 7 <= v <= 30, "must be 0 or 7 to 30")
    ] | None = Field(default=None, alias="secretRecoveryWindowDays")  # fmt: skip
    ses_email: Annotated[SesEmailConfig | None, Structured] = None
    user_pool_tier: Literal["LITE", "ESSENTIALS", "PLUS"] = "ESSENTIALS"
    # Where people use the console. None (the default): the console's own distribution
    # (https://<consoleDomain> or https://<id>.cloudfront.net), known only once it exists.
    web_base_url_override: Annotated[
        str, AfterValidator(lambda v: https_url(v, None))
    ] | None = Field(default=None, alias="webBaseUrl")  # fmt: skip
    console_domain_name: Annotated[
        str, check(matches(_HOST_NAME), "must be a lower-case DNS name")
    ] | None = Field(default=None, alias="consoleDomain")  # fmt: skip
    console_certificate_arn: Annotated[
        str,
        check(matches(_CLOUDFRONT_CERTIFICATE),
              "must be the ARN of an ACM certificate in us-east-1 (CloudFront uses no other "
              "region)"),
    ] | None = None  # fmt: skip
    alarms: Annotated[AlarmsConfig, Structured] = AlarmsConfig()
    alarm_emails: Annotated[
        tuple[AlarmEmail, ...], AfterValidator(distinct_emails), Structured
    ] = ()
    # The seller's words on cancelling and refunds, shown next to the portal
    cancellation_policy: Annotated[Policy, BeforeValidator(parse_policy)] = None
    # The reconciliation sweep (docs/operations.md): how often it runs, and its own budget
    # of Stripe requests a second (Stripe allows 100 in live mode, 25 in test mode).
    sweep_interval_minutes: Annotated[
        int,
        check(lambda v: SWEEP_INTERVAL_RANGE[0] <= v <= SWEEP_INTERVAL_RANGE[1],
              "must be a whole number of minutes from {} to {}".format(*SWEEP_INTERVAL_RANGE)),
    ] = 60  # fmt: skip
    sweep_stripe_reads_per_second: Annotated[
        float,
        check(lambda v: 0 < v <= SWEEP_READS_MAX,
              f"must be a number above 0 and at most {SWEEP_READS_MAX:g}; Stripe allows 100 "
              "requests a second in live mode and 25 in test mode, shared with the webhook "
              "and billing functions"),
    ] = 10.0  # fmt: skip
    quota_mail_settings: Annotated[
        QuotaMailSettings | None, BeforeValidator(opt_in), Structured
    ] = Field(default=None, alias="quotaMail")  # see quota_mail
    _stripe_secret_key: pulumi.Output[str] | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _rules_across_keys(self) -> StackConfig:
        default = next((p for p in self.plans if p.name == self.default_plan), None)
        if default is None:
            if self.default_plan_setting is None:
                raise RuleBroken("at least one plan must be free (no `price`)", "plans")
            raise RuleBroken(f"names no configured plan: {self.default_plan!r}", "defaultPlan")
        if default.is_paid:
            raise RuleBroken(f"{default.name!r} has a price; the default must be free",
                             "defaultPlan")  # fmt: skip
        if self.console_domain_name is None and self.console_certificate_arn is not None:
            raise RuleBroken("is set but consoleDomain is not", "consoleCertificateArn")
        if self.console_domain_name is not None and self.console_certificate_arn is None:
            raise RuleBroken("is required with consoleDomain: an ACM certificate in us-east-1 "
                             f"covering {self.console_domain_name}", "consoleCertificateArn")
        own_url = f"https://{self.console_domain_name}"
        if self.console_domain_name and self.web_base_url_override not in (None, own_url):
            raise RuleBroken(f"differs from consoleDomain ({self.console_domain_name}); leave "
                             "webBaseUrl unset and the console's URL is https://<consoleDomain>",
                             "webBaseUrl")  # fmt: skip
        if self.quota_mail_settings is not None:
            try:
                self.quota_mail  # noqa: B018 - resolving it is the check
            except RuleBroken as broken:
                raise RuleBroken(broken.problem, "quotaMail", *broken.path) from None
        check_evaluation_range(self.sweep_interval_minutes, self.alarms.sweep_missed_runs,
                               "alarms", "sweepMissedRuns")  # fmt: skip
        return self

    @property
    def stripe_secret_key(self) -> pulumi.Output[str]:
        if self._stripe_secret_key is None:
            raise ConfigError(SECRET_KEY, "is required (pulumi config set --secret ...)")
        return self._stripe_secret_key

    @property
    def default_plan(self) -> str:
        """``defaultPlan``, or else the first free plan."""
        free = next((p.name for p in self.plans if not p.is_paid), "")
        return self.default_plan_setting or free

    @property
    def access_logs(self) -> bool:
        """``accessLogs``, or else on when this stack manages the account's CloudWatch role."""
        if self.access_logs_setting is None:
            return self.manage_api_gateway_account
        return self.access_logs_setting

    @property
    def secret_recovery_window_days(self) -> int:
        """Secrets Manager accepts 0 (force delete, no recovery) or 7 to 30 days; by default
        7 on a protected stack, 0 on a throwaway one."""
        if self.recovery_window_setting is None:
            return 7 if self.protect_stateful_resources else 0
        return self.recovery_window_setting

    @property
    def stage_rate_limit(self) -> float:
        return self.stage_throttle.rate_limit

    @property
    def stage_burst_limit(self) -> int:
        return self.stage_throttle.burst_limit

    @property
    def console_domain(self) -> ConsoleDomain | None:
        if self.console_domain_name is None or self.console_certificate_arn is None:
            return None
        return ConsoleDomain(self.console_domain_name, self.console_certificate_arn)

    @property
    def quota_mail(self) -> QuotaMailConfig | None:
        """``quotaMail`` with its sender and identity defaulting to ``sesEmail``'s."""
        if self.quota_mail_settings is None:
            return None
        ses = self.ses_email
        return resolve_quota_mail(self.quota_mail_settings, ses.source_arn if ses else None,
                                  ses.from_address if ses else None)  # fmt: skip

    @property
    def user_attributes(self) -> tuple[str, ...]:
        return REQUIRED_USER_ATTRIBUTES + self.extra_user_attributes

    def plan(self, name: str) -> PlanConfig:
        return next(p for p in self.plans if p.name == name)


def load_config(sandbox_switches: Iterable[str] = ()) -> StackConfig:
    """Read and validate every ``api-sales:*`` key of the current stack.

    ``sandbox_switches`` are the keys of infra/sandbox_overlay.py: set under ``api-sales:``
    they are refused with a word on where they belong."""
    values: dict[str, Any] = namespace_values(NAMESPACE)
    if misplaced := sorted(set(values) & set(sandbox_switches)):
        raise ConfigError(misplaced[0], f"is a sandbox-only switch: set {SANDBOX_NAMESPACE}:"
                          f"{misplaced[0]} on a stack whose AWS endpoints are loopback "
                          "(docs/sandbox.md)")  # fmt: skip
    if values.pop(SECRET_KEY, None) is None:
        raise ConfigError(SECRET_KEY, "is required: pulumi config set --secret "
                          f"{NAMESPACE}:{SECRET_KEY} sk_...")  # fmt: skip
    try:
        config = StackConfig.model_validate(values)
    except ValidationError as error:
        raise config_error(error, StackConfig) from None
    config._stripe_secret_key = pulumi.Config(NAMESPACE).require_secret(SECRET_KEY)
    return config


def url_origin(url: str) -> str:
    """``https://app.example.com/console`` -> ``https://app.example.com`` (CORS names origins)."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"
