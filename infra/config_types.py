"""The base of every config section model, and the value types they share.

A section is frozen, refuses keys it does not know (a typo is refused by name, never
ignored) and is read from the camelCase keys a seller writes in ``Pulumi.<stack>.yaml``.
Values inside structured config (``plans``, ``alarms``...) arrive with their YAML types, so
they are strict: ``"5"`` is not a number there, nor ``true`` an integer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictFloat, StrictInt, StrictStr
from pydantic.alias_generators import to_camel


class Section(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, validate_by_name=True
    )


def check(rule: Callable[[Any], bool], problem: str) -> AfterValidator:
    """A rule with the seller's words for what is wrong (pydantic's would name a regex)."""

    def validate(value: Any) -> Any:
        if not rule(value):
            raise ValueError(f"{problem} (got {value!r})")
        return value

    return AfterValidator(validate)


def matches(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


PositiveInt = Annotated[StrictInt, check(lambda v: v > 0, "must be a positive integer")]
# StrictFloat takes whole numbers too, never a string or a boolean.
PositiveNumber = Annotated[StrictFloat, check(lambda v: v > 0, "must be a positive number")]
NonNegativeNumber = Annotated[StrictFloat, check(lambda v: v >= 0, "must be a number of 0 or more")]
SesIdentityArn = Annotated[
    StrictStr,
    check(matches(r"arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity/.+"),
          "must be the ARN of a verified SES identity"),
]  # fmt: skip


def https_url(value: str, allow_http: bool | None) -> str:
    """``allow_http``: True always, False never, None only for localhost (dev consoles).
    Returns the URL without a trailing slash."""
    parsed = urlparse(value)
    local = parsed.hostname in ("localhost", "127.0.0.1")
    http_ok = allow_http is True or (allow_http is None and local)
    if parsed.scheme not in (("https", "http") if http_ok else ("https",)) or not parsed.netloc:
        raise ValueError(f"must be an https URL (got {value!r})")
    if parsed.query or parsed.fragment:
        raise ValueError("must not carry a query or fragment")
    return value.rstrip("/")
