"""The stack's configuration as typed, validated data.

Everything the program reads from Pulumi config goes through :func:`load_config`, so a bad
value stops the program before any resource is planned, with a message naming the key.
Plans are data: adding a plan is a config change, never a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pulumi

from infra.alarm_config import AlarmsConfig, parse_alarm_emails, parse_alarms
from infra.cancellation import Policy, parse_policy
from infra.config_errors import NAMESPACE, ConfigError
from infra.quota_mail_config import KEY as QUOTA_MAIL_KEY
from infra.quota_mail_config import QuotaMailConfig, parse_quota_mail

QUOTA_PERIODS = ("DAY", "WEEK", "MONTH")
PRICE_INTERVALS = ("day", "week", "month", "year")
USER_POOL_TIERS = ("LITE", "ESSENTIALS", "PLUS")
# The first path segment of the product routes (infra/routes.py): a stage of the same name
# would make every product URL /v1/v1/...
PRODUCT_PATH_PREFIX = "v1"
# Cognito custom attributes the runtime depends on. Append-only: see infra/schema_guard.py.
REQUIRED_USER_ATTRIBUTES = ("plan_type", "stripe_customer_id")

_PLAN_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,31}$")
_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_LOOKUP_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
_DOMAIN_PREFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_HOST_NAME = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
# CloudFront takes viewer certificates only from ACM in us-east-1.
_CLOUDFRONT_CERTIFICATE = re.compile(
    r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$"
)


@dataclass(frozen=True)
class PriceConfig:
    lookup_key: str
    unit_amount: int
    currency: str
    interval: str


@dataclass(frozen=True)
class PlanConfig:
    name: str
    quota_limit: int
    quota_period: str
    rate_limit: float
    burst_limit: int
    price: PriceConfig | None = None
    features: tuple[str, ...] = ()

    @property
    def is_paid(self) -> bool:
        return self.price is not None


@dataclass(frozen=True)
class ConsoleDomain:
    """A custom domain for the console's distribution, with its ACM certificate (us-east-1)."""

    name: str
    certificate_arn: str


@dataclass(frozen=True)
class SesEmailConfig:
    """Cognito's mail sent through the seller's own SES identity (DEVELOPER sending)."""

    source_arn: str  # arn:aws:ses:<region>:<account>:identity/<verified address or domain>
    from_address: str | None = None  # e.g. "Example <no-reply@example.com>"
    configuration_set: str | None = None


@dataclass(frozen=True)
class StackConfig:
    plans: tuple[PlanConfig, ...]
    default_plan: str
    stripe_secret_key: pulumi.Output[str]
    business_name: str = "api-sales"  # Stripe product names and the portal's headline
    grace_on_past_due: bool = True
    upstream_url: str | None = None
    stage_name: str = "api"
    stage_rate_limit: float = 100.0
    stage_burst_limit: int = 200
    protect_stateful_resources: bool = True
    log_retention_days: int = 30
    auth_domain_prefix: str | None = None
    extra_user_attributes: tuple[str, ...] = ()
    allow_loopback_imap: bool = False
    stripe_api_base: str | None = None
    # The API Gateway CloudWatch role is one per account and region, not per stack.
    manage_api_gateway_account: bool = False
    access_logs: bool = False  # needs that role set in the account (by this stack or another)
    secret_recovery_window_days: int = 7  # 0: delete at once (throwaway stacks)
    ses_email: SesEmailConfig | None = None
    user_pool_tier: str = "ESSENTIALS"
    schema_guard: bool = True
    # Where people use the console. None (the default): the console's own distribution
    # (https://<consoleDomain> or https://<id>.cloudfront.net), known only once it exists.
    web_base_url_override: str | None = None
    console_domain: ConsoleDomain | None = None
    alarms: AlarmsConfig = AlarmsConfig()
    alarm_emails: tuple[str, ...] = ()
    # The seller's words on cancelling and refunds, shown next to the portal (infra/cancellation.py)
    cancellation_policy: Policy = None
    # The reconciliation sweep (docs/operations.md): how often it runs, and its own budget
    # of Stripe requests a second (Stripe allows 100 in live mode, 25 in test mode).
    sweep_interval_minutes: int = 60
    sweep_stripe_reads_per_second: float = 10.0
    quota_mail: QuotaMailConfig | None = None  # infra/quota_mail_config.py

    @property
    def user_attributes(self) -> tuple[str, ...]:
        return REQUIRED_USER_ATTRIBUTES + self.extra_user_attributes

    def plan(self, name: str) -> PlanConfig:
        return next(p for p in self.plans if p.name == name)


def load_config(config: pulumi.Config | None = None) -> StackConfig:
    """Read and validate the ``api-sales:*`` config of the current stack."""
    config = config or pulumi.Config(NAMESPACE)
    plans = _parse_plans(_require_object(config, "plans"))
    default_plan = config.get("defaultPlan") or next((p.name for p in plans if not p.is_paid), None)
    if default_plan is None:
        raise ConfigError("plans", "at least one plan must be free (no `price`)")
    default = next((p for p in plans if p.name == default_plan), None)
    if default is None:
        raise ConfigError("defaultPlan", f"names no configured plan: {default_plan!r}")
    if default.is_paid:
        raise ConfigError("defaultPlan", f"{default_plan!r} has a price; the default must be free")

    stage_throttle = config.get_object("stageThrottle") or {}
    extra_attributes = tuple(config.get_object("extraUserAttributes") or ())
    for index, name in enumerate(extra_attributes):
        if not isinstance(name, str) or not _ATTRIBUTE_NAME.match(name):
            raise ConfigError(
                f"extraUserAttributes[{index}]",
                "must be a lower-case attribute name of at most 20 characters",
            )
        if name in REQUIRED_USER_ATTRIBUTES:
            raise ConfigError(f"extraUserAttributes[{index}]", f"{name!r} is already built in")

    auth_domain_prefix = config.get("authDomainPrefix")
    if auth_domain_prefix is not None and not _DOMAIN_PREFIX.match(auth_domain_prefix):
        raise ConfigError("authDomainPrefix", "must be lower-case letters, digits and hyphens")

    upstream_url = config.get("upstreamUrl")
    if upstream_url is not None:
        _require_url("upstreamUrl", upstream_url, allow_http=False)
    stripe_api_base = config.get("stripeApiBase")
    if stripe_api_base is not None:
        _require_url("stripeApiBase", stripe_api_base, allow_http=True)

    stage_name = config.get("stageName") or "api"
    if stage_name == PRODUCT_PATH_PREFIX:
        raise ConfigError(
            "stageName",
            f"{stage_name!r} would make product URLs /{stage_name}/{PRODUCT_PATH_PREFIX}/...; "
            "the API version is already in the product path (keep the default `api`)",
        )
    protect = _bool(config, "protectStatefulResources", True)
    manage_account = _bool(config, "manageApiGatewayAccount", False)
    user_pool_tier = config.get("userPoolTier") or "ESSENTIALS"
    if user_pool_tier not in USER_POOL_TIERS:
        raise ConfigError("userPoolTier", f"must be one of {', '.join(USER_POOL_TIERS)}")

    console_domain = _console_domain(config)
    web_base_url = config.get("webBaseUrl")
    if web_base_url is not None:
        web_base_url = _require_url("webBaseUrl", web_base_url, allow_http=None)
        if console_domain and web_base_url != f"https://{console_domain.name}":
            raise ConfigError(
                "webBaseUrl",
                f"differs from consoleDomain ({console_domain.name}); leave webBaseUrl unset "
                "and the console's URL is https://<consoleDomain>",
            )

    return StackConfig(
        web_base_url_override=web_base_url,
        console_domain=console_domain,
        plans=plans,
        default_plan=default_plan,
        stripe_secret_key=config.require_secret("stripeSecretKey"),
        business_name=_business_name(config),
        grace_on_past_due=_bool(config, "graceOnPastDue", True),
        upstream_url=upstream_url.rstrip("/") if upstream_url else None,
        stage_name=stage_name,
        stage_rate_limit=_positive_number(
            stage_throttle.get("rateLimit", 100.0), "stageThrottle.rateLimit"
        ),
        stage_burst_limit=_positive_int(
            stage_throttle.get("burstLimit", 200), "stageThrottle.burstLimit"
        ),
        protect_stateful_resources=protect,
        log_retention_days=_positive_int(
            _int_or_default(config, "logRetentionDays", 30), "logRetentionDays"
        ),
        auth_domain_prefix=auth_domain_prefix,
        extra_user_attributes=extra_attributes,
        allow_loopback_imap=_bool(config, "allowLoopbackImap", False),
        stripe_api_base=stripe_api_base,
        manage_api_gateway_account=manage_account,
        access_logs=_bool(config, "accessLogs", manage_account),
        secret_recovery_window_days=_recovery_window(config, protect),
        ses_email=_parse_ses_email(config),
        user_pool_tier=user_pool_tier,
        schema_guard=_bool(config, "schemaGuard", True),
        alarms=parse_alarms(_optional_object(config, "alarms")),
        alarm_emails=parse_alarm_emails(_optional_object(config, "alarmEmails")),
        cancellation_policy=parse_policy(config.get("cancellationPolicy")),
        sweep_interval_minutes=_sweep_interval(config),
        sweep_stripe_reads_per_second=_sweep_reads(config),
        quota_mail=_quota_mail(config),
    )


# EventBridge Scheduler's rate() takes whole minutes (at least 1); a sweep less often than
# daily would leave drift for days, and the full pass is daily anyway.
SWEEP_INTERVAL_RANGE = (1, 1440)
# Stripe's rate limiter: 100 read operations a second in live mode, 25 in test mode (Stripe
# docs, "Rate limits"). The sweep may not take the whole live budget from the functions.
SWEEP_READS_MAX = 50.0


def _sweep_interval(config: pulumi.Config) -> int:
    minutes = _int_or_default(config, "sweepIntervalMinutes", 60)
    low, high = SWEEP_INTERVAL_RANGE
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
        raise ConfigError(
            "sweepIntervalMinutes", f"must be a whole number of minutes from {low} to {high} "
            f"(got {minutes!r})")
    return minutes


def _sweep_reads(config: pulumi.Config) -> float:
    raw = config.get("sweepStripeReadsPerSecond")
    if raw is None:
        return 10.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= SWEEP_READS_MAX:
        raise ConfigError(
            "sweepStripeReadsPerSecond",
            f"must be a number above 0 and at most {SWEEP_READS_MAX:g} (got {raw!r}); Stripe "
            "allows 100 requests a second in live mode and 25 in test mode, shared with the "
            "webhook and billing functions")
    return value


def _quota_mail(config: pulumi.Config) -> QuotaMailConfig | None:
    ses = _parse_ses_email(config)
    return parse_quota_mail(_optional_object(config, QUOTA_MAIL_KEY),
                            ses.source_arn if ses else None, ses.from_address if ses else None)


def _console_domain(config: pulumi.Config) -> ConsoleDomain | None:
    name = config.get("consoleDomain")
    certificate_arn = config.get("consoleCertificateArn")
    if name is None:
        if certificate_arn is not None:
            raise ConfigError("consoleCertificateArn", "is set but consoleDomain is not")
        return None
    if not _HOST_NAME.match(name):
        raise ConfigError("consoleDomain", f"must be a lower-case DNS name (got {name!r})")
    if certificate_arn is None:
        raise ConfigError(
            "consoleCertificateArn",
            f"is required with consoleDomain: an ACM certificate in us-east-1 covering {name}",
        )
    if not _CLOUDFRONT_CERTIFICATE.match(certificate_arn):
        raise ConfigError(
            "consoleCertificateArn",
            "must be the ARN of an ACM certificate in us-east-1 (CloudFront uses no other "
            f"region; got {certificate_arn!r})",
        )
    return ConsoleDomain(name, certificate_arn)


def url_origin(url: str) -> str:
    """``https://app.example.com/console`` -> ``https://app.example.com`` (CORS names origins)."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _business_name(config: pulumi.Config) -> str:
    name = config.get("businessName")
    if name is None:
        return "api-sales"
    if not name.strip() or len(name) > 60:
        raise ConfigError("businessName", "must be a non-empty name of at most 60 characters")
    return name.strip()


def _recovery_window(config: pulumi.Config, protect: bool) -> int:
    """Secrets Manager accepts 0 (force delete, no recovery) or 7 to 30 days."""
    days = _int_or_default(config, "secretRecoveryWindowDays", 7 if protect else 0)
    if isinstance(days, bool) or not isinstance(days, int) or not (days == 0 or 7 <= days <= 30):
        raise ConfigError("secretRecoveryWindowDays", f"must be 0 or 7 to 30 (got {days!r})")
    return days


def _parse_ses_email(config: pulumi.Config) -> SesEmailConfig | None:
    raw = _optional_object(config, "sesEmail")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError("sesEmail", "must be an object with sourceArn (and from)")
    source_arn = raw.get("sourceArn")
    if not isinstance(source_arn, str) or not re.fullmatch(
        r"arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity/.+", source_arn
    ):
        raise ConfigError("sesEmail.sourceArn", "must be the ARN of a verified SES identity")
    for key in ("from", "configurationSet"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigError(f"sesEmail.{key}", "must be a string")
    return SesEmailConfig(source_arn, raw.get("from"), raw.get("configurationSet"))


def _require_object(config: pulumi.Config, key: str) -> Any:
    value = _optional_object(config, key)
    if value is None:
        raise ConfigError(key, "is required")
    return value


def _optional_object(config: pulumi.Config, key: str) -> Any:
    try:
        return config.get_object(key)
    except Exception as error:  # the SDK raises a bare JSON error: name the key instead
        raise ConfigError(key, f"is not valid structured config ({error})") from error


def _parse_plans(raw: Any) -> tuple[PlanConfig, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("plans", "must be a non-empty list of plans")
    plans: list[PlanConfig] = []
    seen_names: set[str] = set()
    seen_lookup_keys: set[str] = set()
    for index, item in enumerate(raw):
        key = f"plans[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(key, "must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not _PLAN_NAME.match(name):
            raise ConfigError(f"{key}.name", "must be an upper-case name such as FREE or PRO")
        if name in seen_names:
            raise ConfigError(f"{key}.name", f"{name!r} is configured twice")
        seen_names.add(name)

        quota = item.get("quota")
        if not isinstance(quota, dict):
            raise ConfigError(f"{key}.quota", "is required (limit and period)")
        throttle = item.get("throttle")
        if not isinstance(throttle, dict):
            raise ConfigError(f"{key}.throttle", "is required (rateLimit and burstLimit)")
        period = quota.get("period", "MONTH")
        if period not in QUOTA_PERIODS:
            raise ConfigError(f"{key}.quota.period", f"must be one of {', '.join(QUOTA_PERIODS)}")

        price = _parse_price(item, key, seen_lookup_keys)
        features = item.get("features") or []
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise ConfigError(f"{key}.features", "must be a list of strings")
        plans.append(
            PlanConfig(
                name=name,
                quota_limit=_positive_int(quota.get("limit"), f"{key}.quota.limit"),
                quota_period=period,
                rate_limit=_positive_number(throttle.get("rateLimit"), f"{key}.throttle.rateLimit"),
                burst_limit=_positive_int(throttle.get("burstLimit"), f"{key}.throttle.burstLimit"),
                price=price,
                features=tuple(features),
            )
        )
    return tuple(plans)


def _parse_price(item: dict[str, Any], key: str, seen_lookup_keys: set[str]) -> PriceConfig | None:
    paid = item.get("paid", "price" in item)
    price = item.get("price")
    if not paid:
        if price is not None:
            raise ConfigError(f"{key}.paid", "is false but the plan has a price")
        return None
    if not isinstance(price, dict):
        raise ConfigError(f"{key}.price", "is required for a paid plan")
    lookup_key = price.get("lookupKey")
    if not isinstance(lookup_key, str) or not _LOOKUP_KEY.match(lookup_key):
        raise ConfigError(
            f"{key}.price.lookupKey", "is required for a paid plan (the Stripe price lookup key)"
        )
    if lookup_key in seen_lookup_keys:
        raise ConfigError(f"{key}.price.lookupKey", f"{lookup_key!r} is used by two plans")
    seen_lookup_keys.add(lookup_key)
    currency = price.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[a-z]{3}", currency):
        raise ConfigError(f"{key}.price.currency", "must be a lower-case ISO currency code")
    interval = price.get("interval", "month")
    if interval not in PRICE_INTERVALS:
        raise ConfigError(f"{key}.price.interval", f"must be one of {', '.join(PRICE_INTERVALS)}")
    return PriceConfig(
        lookup_key=lookup_key,
        unit_amount=_positive_int(price.get("unitAmount"), f"{key}.price.unitAmount"),
        currency=currency,
        interval=interval,
    )


def _positive_int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(key, f"must be a positive integer (got {value!r})")
    return value


def _positive_number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(key, f"must be a positive number (got {value!r})")
    return float(value)


def _int_or_default(config: pulumi.Config, key: str, default: int) -> Any:
    raw = config.get(key)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ConfigError(key, f"must be an integer (got {raw!r})") from error


def _bool(config: pulumi.Config, key: str, default: bool) -> bool:
    raw = config.get(key)
    if raw is None:
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ConfigError(key, f"must be true or false (got {raw!r})")


def _require_url(key: str, value: str, allow_http: bool | None) -> str:
    """``allow_http``: True always, False never, None only for localhost (dev consoles)."""
    parsed = urlparse(value)
    local = parsed.hostname in ("localhost", "127.0.0.1")
    http_ok = allow_http is True or (allow_http is None and local)
    if parsed.scheme not in (("https", "http") if http_ok else ("https",)) or not parsed.netloc:
        raise ConfigError(key, f"must be an https URL (got {value!r})")
    if parsed.query or parsed.fragment:
        raise ConfigError(key, "must not carry a query or fragment")
    return value.rstrip("/")
