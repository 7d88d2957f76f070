"""A client-side limit on Stripe calls: a token bucket every HTTP request waits on.

Stripe allows 100 read operations a second in live mode and 25 in test mode, per account
(Stripe docs, "Rate limits"); the webhook and billing functions share that budget, so the
sweep stays well below it on its own. The bucket sits in the SDK's HTTP client, so every
request counts, including the SDK's own retries and each page of a list.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import stripe


class TokenBucket:
    """At most ``rate`` acquisitions a second on average, ``burst`` at once. Thread-safe."""

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:  # fmt: skip
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return waited
                wait = (1 - self._tokens) / self.rate
            self._sleep(wait)
            waited += wait


class RateLimitedHttpClient(stripe.RequestsClient):
    """The SDK's requests client, each request first taking a token from ``bucket``."""

    def __init__(self, bucket: TokenBucket, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bucket = bucket

    # RequestsClient's own signature (bytes, no ``_usage``): the SDK's HTTPClient declares
    # ``str`` and ``_usage``, which RequestsClient itself does not keep; the SDK calls it so.
    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:  # fmt: skip
        self.bucket.acquire()
        return super().request(method, url, headers, post_data)
