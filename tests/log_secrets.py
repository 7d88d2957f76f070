"""Everything a function writes to its log, and the secrets found in it.

On Lambda, a function's log is its stdout/stderr: the Powertools loggers' JSON lines, any
other logger's records, and the EMF metric lines. :func:`captured_logs` collects every log
record at DEBUG (stricter than the functions' INFO) from the given Powertools loggers, and
at INFO from the root logger, formatted as they would be written; the caller adds what was printed
(``capsys``). :func:`leaks` finds a secret in any spelling a log line may give it: as is,
JSON-escaped (quotes, backslashes, non-ASCII as ``\\uXXXX``), escaped by ``repr``, or
both.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.fallback = logging.Formatter("%(levelname)s %(name)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        formatter = getattr(self, "_powertools", {}).get(record.name, self.fallback)
        self.lines.append(formatter.format(record))
        # The raw parts too, in case a formatter would drop one.
        self.lines.append(repr((record.msg, record.args, record.__dict__)))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@contextmanager
def captured_logs(powertools_loggers: Iterable[Any]) -> Iterator[LogCapture]:
    capture = LogCapture()
    capture._powertools = {}  # type: ignore[attr-defined]
    targets: list[tuple[logging.Logger, int]] = []
    for powertools in powertools_loggers:
        std = logging.getLogger(powertools.service)
        capture._powertools[std.name] = powertools.registered_formatter  # type: ignore[attr-defined]
        targets.append((std, std.level))
    for logger, _ in targets:
        logger.addHandler(capture)
        logger.setLevel(logging.DEBUG)
    # Other libraries (botocore, urllib3) reach the root logger, at INFO as on Lambda with
    # JSON logs (their DEBUG output holds whole responses by design and is never enabled).
    root = logging.getLogger()
    targets.append((root, root.level))
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        for logger, level in targets:
            logger.removeHandler(capture)
            logger.setLevel(level)


_ESCAPES = (
    lambda text: json.dumps(text)[1:-1],
    lambda text: json.dumps(text, ensure_ascii=False)[1:-1],
    lambda text: repr(text)[1:-1],
)


def spellings(secret: str) -> set[str]:
    """The secret as is and escaped up to twice (a ``repr`` inside a JSON line, say)."""
    once = {escape(secret) for escape in _ESCAPES}
    return {secret, *once, *(escape(text) for text in once for escape in _ESCAPES)}


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """The names of the ``secrets`` (name -> value) that appear in ``text``."""
    return sorted(name for name, value in secrets.items()
                  if any(form in text for form in spellings(value)))  # fmt: skip
