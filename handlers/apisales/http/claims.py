"""The caller of an account route: only ever the Cognito authorizer's verified claims."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from apisales.http.errors import Unauthorized

# Cognito usernames: no whitespace or control characters, at most 128 characters.
_USERNAME = re.compile(r"^[\w.@+=,:-]{1,128}$")


@dataclass(frozen=True)
class Caller:
    user_id: str
    email: str | None


def caller_from_event(event: Any) -> Caller:
    """``event`` is the raw API Gateway REST proxy event (a dict)."""
    context = event.get("requestContext") if isinstance(event, dict) else None
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    if not isinstance(claims, dict):
        raise Unauthorized()
    username = claims.get("cognito:username")
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise Unauthorized()
    email = claims.get("email")
    return Caller(username, email if isinstance(email, str) and "@" in email else None)
