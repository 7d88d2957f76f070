"""Fault injection at the adapter boundary: a proxy whose chosen method fails N times."""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError


def service_error(operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ServiceUnavailableException",
                                  "Message": "injected"}}, operation)


class FailingOnce:
    """Wraps an adapter; ``method`` raises a 503-style ClientError the first ``times`` calls."""

    def __init__(self, inner: Any, method: str, times: int = 1) -> None:
        self._inner = inner
        self._method = method
        self._left = times
        self._lock = threading.Lock()
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def failing(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                fail = self._left > 0
                self._left -= 1 if fail else 0
            if fail:
                self.failures += 1
                raise service_error(name)
            return attr(*args, **kwargs)

        return failing
