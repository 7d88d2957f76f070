"""The one error a bad config value raises, and the translation of pydantic's errors into it:
the seller reads ``api-sales:<key.path>: <problem>``, naming the key as they wrote it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

NAMESPACE = "api-sales"

KeyPath = Sequence[str | int]


class ConfigError(ValueError):
    """A config value is missing or wrong; the message starts with the full key."""

    def __init__(self, key: str, problem: str, namespace: str = NAMESPACE) -> None:
        super().__init__(f"{namespace}:{key}: {problem}")
        self.key = key


class RuleBroken(ValueError):
    """Raised inside a validator: ``path`` leads from the value validated to the one at fault
    (a model's rule about its ``price`` raises ``RuleBroken("...", "price")``)."""

    def __init__(self, problem: str, *path: str | int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = path


def key_path(parts: KeyPath) -> str:
    """``("plans", 0, "quota")`` -> ``plans[0].quota``."""
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else part)
    return key


def config_error(
    error: ValidationError, model: type[BaseModel], namespace: str = NAMESPACE
) -> ConfigError:
    """The first of pydantic's errors about ``model``'s input, as the seller reads it."""
    first = error.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, RuleBroken):
        return ConfigError(key_path([*first["loc"], *cause.path]), cause.problem, namespace)
    known = _keys_of(model, first["loc"][:-1])
    return ConfigError(key_path(first["loc"]), _problem(first, known), namespace)


def _keys_of(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """The config keys of the model found at ``loc`` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        if part not in fields:
            return []
        current = _model_in(fields[part].annotation)
        if current is None:
            return []
    return [f.alias or n for n, f in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        if found := _model_in(argument):
            return found
    return None


def _problem(detail: ErrorDetails, known_keys: Iterable[str]) -> str:
    if detail["type"] == "missing":
        return "is required"
    if detail["type"] == "extra_forbidden":
        name = str(detail["loc"][-1])
        known = list(known_keys)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(known)}"
        return f"is not a setting here ({hint})"
    message = detail["msg"].removeprefix("Value error, ")
    if message.startswith("Input should"):
        message = "must" + message.removeprefix("Input should")
    if "(got " in message:  # our own rules show the value they refused
        return message
    return f"{message} (got {_shown(detail['input'])})"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
