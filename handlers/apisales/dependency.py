"""One port's implementation in a composition root (``apisales/roots/``): built on first use
and kept for the container's life, or replaced by a test's own (``override``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# Every Dependency made so far, so that one reset reaches those of every root loaded.
_ALL: list[Dependency[Any]] = []


class Dependency(Generic[T]):
    """Calling it gives the implementation: the override if any, else the built one (built
    on the first call and kept when ``cached``, built on every call otherwise)."""

    def __init__(self, build: Callable[[], T], *, cached: bool = True) -> None:
        self._build = build
        self._cached = cached
        self._value: T | None = None
        self._override: T | None = None
        _ALL.append(self)

    def __call__(self) -> T:
        if self._override is not None:
            return self._override
        if not self._cached:
            return self._build()
        if self._value is None:
            self._value = self._build()
        return self._value

    @property
    def overridden(self) -> bool:
        return self._override is not None

    def override(self, value: T | None) -> None:
        """Use ``value`` from now on (``None``: back to the built one)."""
        self._override = value

    def reset(self) -> None:
        self._value = None
        self._override = None


def every() -> tuple[Dependency[Any], ...]:
    """Every Dependency of the roots loaded so far."""
    return tuple(_ALL)


def reset_all() -> None:
    """Drop every built implementation and override (tests point at a fresh emulator)."""
    for dependency in _ALL:
        dependency.reset()
