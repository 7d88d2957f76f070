"""The quota mail's composition root: API Gateway's usage figures, the mail marks on the
users table, Cognito's addresses and SES. No keys, no Stripe."""

from __future__ import annotations

from apisales import settings
from apisales.adapters import aws
from apisales.dependency import Dependency
from apisales.domain.ports import Addresses, Mailer, QuotaMailMarks
from apisales.roots.usage import usage

__all__ = ["addresses", "initialise", "mailer", "quota_mail_marks", "usage"]

# What this root's adapters call; the function's role allows exactly these (infra/quota_mail.py).
SERVICES = ("dynamodb", "apigateway", "cognito-idp", "ses")


def initialise() -> None:
    """Load this root's adapter modules and make its clients (:mod:`apisales.roots`)."""
    from apisales.adapters import apigw_usage, quota_mail_aws  # noqa: F401 - loaded, not used here

    aws.create_clients(SERVICES)


def _dynamo_quota_mail_marks() -> QuotaMailMarks:
    from apisales.adapters.quota_mail_aws import DynamoQuotaMailMarks

    return DynamoQuotaMailMarks(settings.env("USERS_TABLE"))


def _cognito_addresses() -> Addresses:
    from apisales.adapters.quota_mail_aws import CognitoAddresses

    return CognitoAddresses(settings.env("USER_POOL_ID"))


def _ses_mailer() -> Mailer:
    from apisales.adapters.quota_mail_aws import SesMailer

    return SesMailer()


quota_mail_marks = Dependency(_dynamo_quota_mail_marks)
addresses = Dependency(_cognito_addresses)
mailer = Dependency(_ses_mailer)
