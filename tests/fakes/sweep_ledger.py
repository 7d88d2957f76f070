"""The sweep's ledger item (lease + cursor) in memory (adapters/dynamo_sweep.py
``DynamoSweepLedger``): the same conditions as its conditional writes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from apisales.domain.sweep import SweepCursor


@dataclass
class InMemorySweepLedger:
    lock: threading.Lock = field(default_factory=threading.Lock)
    owner: str | None = None  # lease_owner
    until: int = 0  # lease_until
    cursor: SweepCursor = field(default_factory=SweepCursor)
    saves: int = 0

    def acquire(self, owner: str, now: int, lease_s: int) -> SweepCursor | None:
        with self.lock:
            if self.owner not in (None, owner) and self.until >= now:
                return None
            self.owner, self.until = owner, now + lease_s
            return self.cursor

    def save(self, owner: str, cursor: SweepCursor, now: int, lease_s: int) -> bool:
        with self.lock:
            if self.owner != owner:
                return False
            self.cursor, self.until = cursor, now + lease_s
            self.saves += 1
            return True

    def release(self, owner: str, cursor: SweepCursor) -> None:
        with self.lock:
            if self.owner == owner:
                self.cursor, self.owner, self.until = cursor, None, 0
