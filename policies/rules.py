"""The api-sales CrossGuard rules: policy objects and the pure checks behind them.

Nothing here starts a server: ``PolicyPack(...)`` is constructed only in ``__main__.py``, so
tests import this module and call ``policy.validate(args, report_violation)`` directly.

The engine hands every validation the resource's *inputs* under their camelCase wire names
(``writeAttributes``, ``apiKeyRequired``), wrapped in a read-only proxy whose lists are
``Sequence``s and whose dicts are ``Mapping``s, never ``list``/``dict``; the helpers below
only rely on those ABCs. Reading a value that is unknown during preview raises
``UnknownValueError``, which the engine turns into an advisory "can't run during preview"
note, so the checks read values plainly and do not guess about unknowns.

No policy sets its own enforcement level: the pack is MANDATORY and a stack can lower one
policy in its policy config (see docs/policies.md).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

# Resource type tokens (pulumi-aws 7.x).
USER_POOL = "aws:cognito/userPool:UserPool"
USER_POOL_CLIENT = "aws:cognito/userPoolClient:UserPoolClient"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
USAGE_PLAN = "aws:apigateway/usagePlan:UsagePlan"
API_METHOD = "aws:apigateway/method:Method"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LAMBDA_FUNCTION = "aws:lambda/function:Function"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SNS_TOPIC = "aws:sns/topic:Topic"

# ---------------------------------------------------------------------------------------------
# Small readers that work on the engine's proxies and on plain dicts/lists alike.


def _as_list(value: Any) -> list[Any]:
    """IAM and Pulumi both allow "one thing" or "a list of things"; normalise to a list."""
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _positive_number(value: Any) -> bool:
    # Numbers cross the gRPC boundary as floats; bools are ints in Python and never a limit.
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _resource_policy(
    name: str,
    description: str,
    resource_types: frozenset[str],
    check: Callable[[ResourceValidationArgs, ReportViolation], None],
) -> ResourceValidationPolicy:
    """A policy whose ``check`` runs only for the given resource types.

    pulumi_policy for Python has no ``validate_resource_of_type`` helper, so every resource
    reaches every policy; filtering here keeps each check about one kind of resource.
    """

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in resource_types:
            check(args, report_violation)

    return ResourceValidationPolicy(name=name, description=description, validate=validate)


# ---------------------------------------------------------------------------------------------
# 1. Cognito app clients never write custom attributes.


def check_user_pool_client(args: ResourceValidationArgs, report: ReportViolation) -> None:
    write_attributes = [str(a) for a in _as_list(args.props.get("writeAttributes"))]
    if not write_attributes:
        # Unset (or empty, which the provider sends as unset) means AWS's default: the client
        # may write every writable attribute, custom ones included.
        report(
            f"User pool client '{args.name}' sets no write_attributes, so AWS lets it write every "
            "attribute including custom: ones; list the standard attributes it may write "
            "(e.g. write_attributes=['email', 'name']).",
            None,
        )
        return
    custom = sorted(a for a in write_attributes if a.lower().startswith("custom:"))
    if custom:
        report(
            f"User pool client '{args.name}' can write {', '.join(custom)}: a signed-in user could "
            "grant themselves a plan. Remove every custom: attribute from write_attributes; only "
            "the backend sets them (AdminUpdateUserAttributes).",
            None,
        )


COGNITO_CLIENT_NO_CUSTOM_WRITE = _resource_policy(
    "cognito-client-no-custom-write",
    "Cognito app clients must not write any custom: attribute (plan_type, stripe_customer_id "
    "decide entitlements) and must list their write_attributes explicitly, because AWS's "
    "default lets a client write all attributes.",
    frozenset({USER_POOL_CLIENT}),
    check_user_pool_client,
)

# ---------------------------------------------------------------------------------------------
# 2. DynamoDB tables have point-in-time recovery and server-side encryption.


def check_dynamodb_table(args: ResourceValidationArgs, report: ReportViolation) -> None:
    pitr = _mapping(args.props.get("pointInTimeRecovery"))
    if pitr.get("enabled") is not True:
        report(
            f"DynamoDB table '{args.name}' has no point-in-time recovery; set "
            "point_in_time_recovery={'enabled': True} so a bad write can be rolled back.",
            None,
        )
    sse = _mapping(args.props.get("serverSideEncryption"))
    if sse.get("enabled") is not True:
        report(
            f"DynamoDB table '{args.name}' does not enable server-side encryption with KMS; set "
            "server_side_encryption={'enabled': True} (optionally with kms_key_arn).",
            None,
        )


DYNAMODB_PITR_AND_ENCRYPTION = _resource_policy(
    "dynamodb-pitr-and-encryption",
    "Every DynamoDB table has point-in-time recovery enabled and server-side encryption "
    "enabled (KMS), because the tables hold customers' billing state.",
    frozenset({DYNAMODB_TABLE}),
    check_dynamodb_table,
)

# ---------------------------------------------------------------------------------------------
# 3. Usage plans meter and throttle.

QUOTA_PERIODS: frozenset[str] = frozenset({"DAY", "WEEK", "MONTH"})


def check_usage_plan(args: ResourceValidationArgs, report: ReportViolation) -> None:
    quota = args.props.get("quotaSettings")
    if not isinstance(quota, Mapping):
        report(
            f"Usage plan '{args.name}' has no quota: set quota_settings={{'limit': <calls>, "
            "'period': 'MONTH'}} so a key cannot make unlimited calls.",
            None,
        )
    else:
        if not _positive_number(quota.get("limit")):
            report(
                f"Usage plan '{args.name}' has quota limit {quota.get('limit')!r}; set "
                "quota_settings.limit to a positive number of calls.",
                None,
            )
        if quota.get("period") not in QUOTA_PERIODS:
            report(
                f"Usage plan '{args.name}' has quota period {quota.get('period')!r}; set "
                f"quota_settings.period to one of {', '.join(sorted(QUOTA_PERIODS))}.",
                None,
            )
    throttle = args.props.get("throttleSettings")
    if not isinstance(throttle, Mapping):
        report(
            f"Usage plan '{args.name}' has no throttle: set throttle_settings={{'rate_limit': "
            "<requests/s>, 'burst_limit': <requests>}} so one key cannot flood the backend.",
            None,
        )
    else:
        for field, python_name in (("rateLimit", "rate_limit"), ("burstLimit", "burst_limit")):
            if not _positive_number(throttle.get(field)):
                report(
                    f"Usage plan '{args.name}' has throttle {python_name} "
                    f"{throttle.get(field)!r}; set throttle_settings.{python_name} to a "
                    "positive number.",
                    None,
                )


USAGE_PLAN_QUOTA_AND_THROTTLE = _resource_policy(
    "usage-plan-quota-and-throttle",
    "Every API Gateway usage plan has a quota (limit > 0 per DAY/WEEK/MONTH) and a throttle "
    "(rate_limit > 0, burst_limit > 0): the plan is what a customer pays for.",
    frozenset({USAGE_PLAN}),
    check_usage_plan,
)

# ---------------------------------------------------------------------------------------------
# 4. Every API method is behind Cognito or an API key.

# The only methods allowed without an authorizer or API key, by Pulumi resource name
# ("<METHOD> <path>", docs/architecture.md). The Stripe webhook cannot carry a token or key;
# it authenticates each request by its Stripe-Signature instead.
PUBLIC_ROUTES: frozenset[str] = frozenset({"POST /stripe/webhook"})


def check_api_method(args: ResourceValidationArgs, report: ReportViolation) -> None:
    http_method = str(args.props.get("httpMethod") or "").upper()
    if http_method == "OPTIONS":
        return  # CORS preflight: browsers send it without credentials by design
    if args.name in PUBLIC_ROUTES:
        # The name is the program's own claim; hold it to the HTTP verb it names so a
        # misnamed GET cannot ride on the webhook's exemption.
        named_verb = args.name.split(" ", 1)[0].upper()
        if http_method == named_verb:
            return
        report(
            f"API method '{args.name}' is named as the public route but its http_method is "
            f"{http_method!r}; name methods '<METHOD> <path>' after what they are.",
            None,
        )
        return
    authorization = args.props.get("authorization")
    authorizer_id = args.props.get("authorizerId")
    if authorization == "COGNITO_USER_POOLS" and authorizer_id:
        return
    if args.props.get("apiKeyRequired") is True:
        return
    if authorization == "COGNITO_USER_POOLS":
        report(
            f"API method '{args.name}' uses COGNITO_USER_POOLS without an authorizer_id; set "
            "authorizer_id to the stack's Cognito authorizer.",
            None,
        )
        return
    report(
        f"API method '{args.name}' (authorization={authorization!r}, api_key_required="
        f"{args.props.get('apiKeyRequired')!r}) is open to anyone: set "
        "authorization='COGNITO_USER_POOLS' with authorizer_id, or api_key_required=True. "
        f"Only OPTIONS preflights and {', '.join(sorted(PUBLIC_ROUTES))} may be public.",
        None,
    )


API_METHOD_AUTHORIZED = _resource_policy(
    "api-method-authorized",
    "Every API Gateway method uses the Cognito user-pool authorizer or requires an API key. "
    "Exceptions: OPTIONS (CORS preflight) and the routes in PUBLIC_ROUTES, recognised by the "
    "method's Pulumi name '<METHOD> <path>' (only 'POST /stripe/webhook', which verifies "
    "Stripe's signature).",
    frozenset({API_METHOD}),
    check_api_method,
)

# ---------------------------------------------------------------------------------------------
# 5. IAM: no wildcard actions; Resource "*" only where AWS has no resource-level permission.

# Actions whose "Resource types" column is empty in the AWS Service Authorization Reference
# (https://docs.aws.amazon.com/service-authorization/latest/reference/), so AWS only accepts
# Resource "*" for them. Only those the stack's functions may need are listed: add one here
# with its reference page, never widen a statement instead. Compared case-insensitively, as
# IAM compares action names.
#   AWS X-Ray (list_awsx-ray.html): tracing from Powertools Tracer / the Lambda X-Ray daemon.
#   Amazon CloudWatch (list_amazoncloudwatch.html): PutMetricData is scoped by the
#     cloudwatch:namespace condition key, not by a resource.
#   Amazon CloudWatch Logs (list_amazoncloudwatchlogs.html): DescribeLogGroups.
NO_RESOURCE_LEVEL_ACTIONS: frozenset[str] = frozenset(
    a.lower()
    for a in (
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
        "cloudwatch:PutMetricData",
        "logs:DescribeLogGroups",
    )
)

# AWS managed policies that grant whole services (or everything); attaching one is the same
# as an inline "service:*" statement.
BROAD_MANAGED_POLICY = re.compile(
    r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?(AdministratorAccess|PowerUserAccess|[A-Za-z0-9]+FullAccess)$"
)


def _is_wildcard_action(action: str) -> bool:
    """``*``, ``service:*`` or a wildcarded service; partial names (``dynamodb:Get*``) pass."""
    if action.strip() == "*":
        return True
    service, _, name = action.partition(":")
    return "*" in service or name.strip() == "*"


def _parse_document(document: Any) -> tuple[Mapping[str, Any] | None, str | None]:
    if isinstance(document, str):
        try:
            parsed = json.loads(document)
        except ValueError as exc:
            return None, f"is not valid JSON ({exc.msg})"
        document = parsed
    if not isinstance(document, Mapping):
        return None, "is not a JSON object"
    return document, None


def iam_document_problems(document: Any) -> list[str]:
    """What is too broad in an IAM policy document (a JSON string or a dict); [] if nothing."""
    parsed, error = _parse_document(document)
    if parsed is None:
        return [f"policy {error}; write it with json.dumps of a dict so it can be checked"]
    problems: list[str] = []
    for index, statement in enumerate(_as_list(parsed.get("Statement"))):
        if not isinstance(statement, Mapping):
            problems.append(f"statement {index} is not an object")
            continue
        if statement.get("Effect") != "Allow":
            continue  # a broad Deny only narrows
        label = f"statement {statement.get('Sid') or index}"
        if "NotAction" in statement:
            problems.append(
                f"{label} allows NotAction, i.e. every action but a few; list the actions "
                "it needs under Action"
            )
        actions = [str(a) for a in _as_list(statement.get("Action"))]
        wildcards = [a for a in actions if _is_wildcard_action(a)]
        if wildcards:
            problems.append(
                f"{label} allows {', '.join(wildcards)}; list the exact actions the function "
                "calls (e.g. dynamodb:GetItem)"
            )
        resources = [str(r) for r in _as_list(statement.get("Resource"))]
        star = "*" in (r.strip() for r in resources) or "NotResource" in statement
        if star:
            needs_resource = sorted(
                a for a in actions if a.lower() not in NO_RESOURCE_LEVEL_ACTIONS
            )
            if needs_resource or not actions:
                listed = ", ".join(needs_resource) or "its actions"
                problems.append(
                    f"{label} grants {listed} on Resource '*' (or NotResource); scope it to "
                    "the ARNs it uses. '*' is only for actions AWS has no resource-level "
                    "permission for (NO_RESOURCE_LEVEL_ACTIONS in policies/rules.py)"
                )
    return problems


def check_iam(args: ResourceValidationArgs, report: ReportViolation) -> None:
    documents: list[tuple[str, Any]] = []
    if args.resource_type in (IAM_ROLE_POLICY, IAM_POLICY):
        documents.append(("policy", args.props.get("policy")))
    elif args.resource_type == IAM_ROLE:
        for inline in _as_list(args.props.get("inlinePolicies")):
            inline = _mapping(inline)
            if inline.get("policy") is not None:
                documents.append((f"inline policy '{inline.get('name')}'", inline.get("policy")))
    for label, document in documents:
        for problem in iam_document_problems(document):
            report(
                f"IAM {args.resource_type.rsplit(':', 1)[-1]} '{args.name}' {label}: {problem}.",
                None,
            )

    arns: list[str] = []
    if args.resource_type == IAM_ROLE:
        arns = [str(a) for a in _as_list(args.props.get("managedPolicyArns"))]
    elif args.resource_type == IAM_ROLE_POLICY_ATTACHMENT:
        arns = [str(args.props.get("policyArn") or "")]
    for arn in arns:
        if BROAD_MANAGED_POLICY.match(arn):
            report(
                f"IAM '{args.name}' attaches the AWS managed policy {arn}, which allows whole "
                "services; write an inline policy with the exact actions and resources instead.",
                None,
            )


IAM_NO_WILDCARDS = _resource_policy(
    "iam-no-wildcards",
    "IAM policies (RolePolicy, Policy, a Role's inline policies) allow no '*' or 'service:*' "
    "action and no NotAction, and use Resource '*' only for actions AWS offers no "
    "resource-level permission for (NO_RESOURCE_LEVEL_ACTIONS); roles attach no "
    "AdministratorAccess/PowerUserAccess/*FullAccess managed policy.",
    frozenset({IAM_ROLE, IAM_ROLE_POLICY, IAM_POLICY, IAM_ROLE_POLICY_ATTACHMENT}),
    check_iam,
)

# ---------------------------------------------------------------------------------------------
# 6. Lambda environment variables hold references to secrets, never secret values.

# Secret shapes recognised whatever the variable is called.
SECRET_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a Stripe secret or restricted key",
        re.compile(r"(?<![0-9A-Za-z])[sr]k_(?:live|test)_[0-9A-Za-z]+"),
    ),
    ("a Stripe webhook signing secret", re.compile(r"(?<![0-9A-Za-z])whsec_[0-9A-Za-z+/=]+")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("a Slack token", re.compile(r"xox[abprs]-[0-9A-Za-z-]{10,}")),
    ("a GitHub token", re.compile(r"gh[pousr]_[0-9A-Za-z]{36,}")),
    ("a URL with an embedded password", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)

# Variable names that suggest a credential, and name endings that mark a reference to one.
SENSITIVE_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|API_?KEY|CREDENTIAL", re.I)
REFERENCE_NAME_SUFFIXES: tuple[str, ...] = ("_ARN", "_NAME", "_PARAM", "_PARAMETER")
REFERENCE_VALUE_PREFIXES: tuple[str, ...] = ("arn:aws:secretsmanager:", "arn:aws:ssm:", "/")

# A "long high-entropy" value: random keys of 16+ characters from base64/hex alphabets score
# well above 3 bits per character; words, numbers and flags stay below it.
MIN_SECRET_LENGTH = 16
MIN_SECRET_ENTROPY_BITS = 3.0


def _entropy_bits_per_char(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def secret_value_problem(name: str, value: Any) -> str | None:
    """Why ``name=value`` looks like a secret in plain text, or None if it does not."""
    if not isinstance(value, str) or not value:
        return None
    for what, shape in SECRET_SHAPES:
        if shape.search(value):
            return f"holds {what}"
    upper = name.upper()
    if not SENSITIVE_NAME.search(upper) or upper.endswith(REFERENCE_NAME_SUFFIXES):
        return None
    if value.startswith(REFERENCE_VALUE_PREFIXES) or "://" in value:
        return None
    if (
        len(value) >= MIN_SECRET_LENGTH
        and not any(c.isspace() for c in value)
        and _entropy_bits_per_char(value) >= MIN_SECRET_ENTROPY_BITS
    ):
        return "looks like a credential (a long random value under a secret-sounding name)"
    return None


def check_lambda_environment(args: ResourceValidationArgs, report: ReportViolation) -> None:
    variables = _mapping(_mapping(args.props.get("environment")).get("variables"))
    for name in sorted(variables):
        problem = secret_value_problem(name, variables[name])
        if problem:
            report(
                f"Lambda function '{args.name}' environment variable {name} {problem}; keep the "
                "value in Secrets Manager and pass its ARN instead (e.g. "
                "STRIPE_API_KEY_SECRET_ARN), read at run time by the handler.",
                None,
            )


LAMBDA_ENV_NO_SECRETS = _resource_policy(
    "lambda-env-no-secrets",
    "No Lambda environment variable holds a secret value (Stripe keys, webhook secrets, AWS "
    "access keys, private keys, tokens, long random values under secret-sounding names); "
    "references such as *_ARN / *_NAME / *_PARAM names or Secrets Manager / SSM ARNs are fine.",
    frozenset({LAMBDA_FUNCTION}),
    check_lambda_environment,
)

# ---------------------------------------------------------------------------------------------
# 7. Lambda runtimes are Python versions AWS still supports.

# As of 2026-11 (AWS Lambda "Supported runtimes" page): python3.10 was deprecated on
# 2026-10-31 and python3.9 on 2025-12-15. Review when AWS announces the next deprecation.
SUPPORTED_PYTHON_RUNTIMES: frozenset[str] = frozenset(
    {"python3.11", "python3.12", "python3.13", "python3.14"}
)


def check_lambda_runtime(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("packageType") == "Image":
        return  # a container image brings its own runtime; there is no runtime input
    runtime = args.props.get("runtime")
    if runtime not in SUPPORTED_PYTHON_RUNTIMES:
        report(
            f"Lambda function '{args.name}' uses runtime {runtime!r}; set runtime to one of "
            f"{', '.join(sorted(SUPPORTED_PYTHON_RUNTIMES))} (supported Python runtimes, 2026-11).",
            None,
        )


LAMBDA_SUPPORTED_PYTHON = _resource_policy(
    "lambda-supported-python",
    "Every zip-packaged Lambda function uses a Python runtime AWS supports "
    f"({', '.join(sorted(SUPPORTED_PYTHON_RUNTIMES))} as of 2026-11); deprecated runtimes "
    "stop receiving security patches and later block updates.",
    frozenset({LAMBDA_FUNCTION}),
    check_lambda_runtime,
)

# ---------------------------------------------------------------------------------------------
# 8. The user pool and the tables cannot be deleted by accident.


def check_stateful_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == USER_POOL:
        if args.props.get("deletionProtection") != "ACTIVE":
            report(
                f"Cognito user pool '{args.name}' has deletion_protection "
                f"{args.props.get('deletionProtection')!r}; set deletion_protection='ACTIVE' "
                "(a deleted pool loses every user and password for good).",
                None,
            )
    elif args.props.get("deletionProtectionEnabled") is not True:
        report(
            f"DynamoDB table '{args.name}' has deletion_protection_enabled "
            f"{args.props.get('deletionProtectionEnabled')!r}; set "
            "deletion_protection_enabled=True.",
            None,
        )
    # The engine always sends resource options; a caller without them has nothing to check.
    opts = getattr(args, "opts", None)
    if opts is not None and getattr(opts, "protect", False) is not True:
        report(
            f"'{args.name}' is not Pulumi-protected; create it with "
            "opts=pulumi.ResourceOptions(protect=True) so no update or destroy can delete it.",
            None,
        )


STATEFUL_RESOURCES_PROTECTED = _resource_policy(
    "stateful-resources-protected",
    "The Cognito user pool (deletion_protection='ACTIVE') and every DynamoDB table "
    "(deletion_protection_enabled=True) have deletion protection and Pulumi protect=True. A "
    "stack whose config turns protection off (protectStatefulResources: false, e.g. a "
    "throwaway test stack) must set this policy to 'advisory' in its policy config.",
    frozenset({USER_POOL, DYNAMODB_TABLE}),
    check_stateful_protection,
)

# ---------------------------------------------------------------------------------------------
# 9. Buckets are never public: the console's bucket is read by its CloudFront distribution only.

PUBLIC_ACCESS_BLOCK_SETTINGS = (
    "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets",
)  # fmt: skip
PUBLIC_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(p == "*" for p in _as_list(principal.get("AWS")))
    return False


def check_s3_not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if args.resource_type == S3_PUBLIC_ACCESS_BLOCK:
        off = [s for s in PUBLIC_ACCESS_BLOCK_SETTINGS if props.get(s) is not True]
        if off:
            report(
                f"Public access block '{args.name}' leaves {', '.join(off)} off; set all four "
                "to True (the console is served through CloudFront, never from S3 directly).",
                None,
            )
    elif args.resource_type == S3_BUCKET:
        if props.get("acl") in PUBLIC_ACLS:
            report(f"Bucket '{args.name}' has the public ACL {props.get('acl')!r}; remove it.",
                   None)  # fmt: skip
        if props.get("website"):
            report(
                f"Bucket '{args.name}' enables S3 website hosting, which only serves public "
                "buckets over plain HTTP; serve it through CloudFront with origin access control.",
                None,
            )
    else:
        document, problem = _parse_document(props.get("policy"))
        if document is None:
            report(f"Bucket policy '{args.name}': {problem}", None)
            return
        for statement in _as_list(document.get("Statement")):
            statement = _mapping(statement)
            if statement.get("Effect") == "Allow" and (
                _everyone(statement.get("Principal")) or "NotPrincipal" in statement
            ):
                report(
                    f"Bucket policy '{args.name}' allows everyone "
                    f"({statement.get('Sid') or 'a statement'}); grant cloudfront.amazonaws.com "
                    "with an AWS:SourceArn condition naming the distribution instead.",
                    None,
                )


S3_BUCKET_NOT_PUBLIC = _resource_policy(
    "s3-bucket-not-public",
    "No S3 bucket is public: every public-access block sets all four settings, no bucket has "
    "a public ACL or S3 website hosting, and no bucket policy allows everyone ('*').",
    frozenset({S3_BUCKET, S3_PUBLIC_ACCESS_BLOCK, S3_BUCKET_POLICY}),
    check_s3_not_public,
)

# ---------------------------------------------------------------------------------------------
# 10. Every alarm tells someone, when it fires and when it clears.


def check_metric_alarm(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("actionsEnabled") is False:
        report(
            f"CloudWatch alarm '{args.name}' has actions_enabled=False: it changes state and "
            "nobody hears of it. Remove actions_enabled or set it to True.",
            None,
        )
    for field, python_name, when in (
        ("alarmActions", "alarm_actions", "fires"),
        ("okActions", "ok_actions", "clears"),
    ):
        if not [a for a in _as_list(args.props.get(field)) if a]:
            report(
                f"CloudWatch alarm '{args.name}' has no {python_name}: nobody is told when it "
                f"{when}. Set {python_name}=[<the stack's alarm topic ARN>].",
                None,
            )


ALARMS_NOTIFY = _resource_policy(
    "alarms-notify",
    "Every CloudWatch metric alarm has actions enabled and notifies at least one target "
    "(the stack's SNS topic) both on ALARM (alarm_actions) and on OK (ok_actions): an alarm "
    "nobody hears of is the silent failure the stack's monitoring exists to prevent.",
    frozenset({METRIC_ALARM}),
    check_metric_alarm,
)

# ---------------------------------------------------------------------------------------------
# 11. SNS topics are encrypted with a key CloudWatch alarms may use.

AWS_MANAGED_SNS_KEY = "alias/aws/sns"


def check_sns_topic(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = str(args.props.get("kmsMasterKeyId") or "")
    if not key:
        report(
            f"SNS topic '{args.name}' is not encrypted: set kms_master_key_id to a customer "
            "managed KMS key (alarm mails name the stack's resources).",
            None,
        )
    elif key.endswith(AWS_MANAGED_SNS_KEY):
        report(
            f"SNS topic '{args.name}' uses the AWS managed key {AWS_MANAGED_SNS_KEY}, whose policy "
            "does not let CloudWatch alarms publish: their notifications would be dropped. Use "
            "a customer managed key whose policy allows cloudwatch.amazonaws.com kms:Decrypt "
            "and kms:GenerateDataKey*.",
            None,
        )


SNS_TOPIC_CUSTOMER_KEY = _resource_policy(
    "sns-topic-customer-key",
    "Every SNS topic is encrypted (kms_master_key_id) with a customer managed KMS key, never "
    "the AWS managed alias/aws/sns: CloudWatch alarms cannot publish to a topic under that "
    "key (AWS Knowledge Center, cloudwatch-configure-alarm-sns).",
    frozenset({SNS_TOPIC}),
    check_sns_topic,
)

ALL_POLICIES: list[ResourceValidationPolicy] = [
    COGNITO_CLIENT_NO_CUSTOM_WRITE,
    DYNAMODB_PITR_AND_ENCRYPTION,
    USAGE_PLAN_QUOTA_AND_THROTTLE,
    API_METHOD_AUTHORIZED,
    IAM_NO_WILDCARDS,
    LAMBDA_ENV_NO_SECRETS,
    LAMBDA_SUPPORTED_PYTHON,
    STATEFUL_RESOURCES_PROTECTED,
    S3_BUCKET_NOT_PUBLIC,
    ALARMS_NOTIFY,
    SNS_TOPIC_CUSTOMER_KEY,
]
