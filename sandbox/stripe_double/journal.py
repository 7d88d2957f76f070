"""The double's state on disk: a JSON snapshot plus an append-only journal of changes.

Files, for a state file `F`:
- `F`: the snapshot, one JSON object (`objects`, `meta`, `order`, `clock_offset`);
- `F.journal`: one JSON line per committed transaction that changed something:
  `{"put": {id: [object, meta]}, "delete": [id...], "clock_offset": n}`. A put carries the
  whole object as it is after the transaction, so replaying a line twice changes nothing;
- `F.journal.old`: the journal being folded into the snapshot by a compaction.

Each line goes to the OS with one unbuffered write before the transaction's response is
sent, so a killed process loses nothing it answered; there is no fsync per line (a machine
crash may lose the last lines, and a torn last line is ignored at start). The snapshot is
written to a temporary file, fsynced and renamed, so it is either the old or the new one.

Compaction (snapshot + journal -> new snapshot) reads only the files, never the live state,
so it runs on a background thread while requests go on: when the journal outgrows both
`compact_after_bytes` and the snapshot, it is renamed to `F.journal.old`, a fresh journal is
opened, and the thread folds the old one in. It also runs at start and on a clean close.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_COMPACT_AFTER_BYTES = 8 * 1024 * 1024


class StateFileError(ValueError):
    """The state file or journal is damaged somewhere other than a torn last line."""


@dataclass
class State:
    """What is persisted: objects by id, their private bookkeeping, list order, the clock."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    clock_offset: int = 0

    def put(self, obj_id: str, obj: dict[str, Any], meta: dict[str, Any] | None) -> None:
        if obj_id not in self.objects:
            self.order.append(obj_id)
        self.objects[obj_id] = obj
        if meta is None:
            self.meta.pop(obj_id, None)
        else:
            self.meta[obj_id] = meta

    def apply(self, record: dict[str, Any]) -> None:
        """Replay one journal line."""
        for obj_id, (obj, meta) in record.get("put", {}).items():
            self.put(obj_id, obj, meta)
        for obj_id in record.get("delete", []):
            self.objects.pop(obj_id, None)
            self.meta.pop(obj_id, None)
        if "clock_offset" in record:
            self.clock_offset = int(record["clock_offset"])

    def to_json(self) -> str:
        return json.dumps({
            "objects": self.objects,
            "meta": self.meta,
            "order": [i for i in self.order if i in self.objects],
            "clock_offset": self.clock_offset,
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> State:
        data = json.loads(text)
        objects = data.get("objects", {})
        return cls(objects, data.get("meta", {}), data.get("order", list(objects)),
                   int(data.get("clock_offset", 0)))  # fmt: skip


def journal_line(puts: dict[str, str], deletes: list[str], clock_offset: int | None) -> str:
    """One journal line from pre-serialised `[object, meta]` texts (each serialised once)."""
    parts = ['"put": {' + ", ".join(f"{json.dumps(i)}: {t}" for i, t in puts.items()) + "}"]
    if deletes:
        parts.append(f'"delete": {json.dumps(deletes)}')
    if clock_offset is not None:
        parts.append(f'"clock_offset": {int(clock_offset)}')
    return "{" + ", ".join(parts) + "}\n"


class Journal:
    def __init__(self, snapshot: str | Path,
                 compact_after_bytes: int = DEFAULT_COMPACT_AFTER_BYTES) -> None:  # fmt: skip
        self.snapshot = Path(snapshot)
        self.path = self.snapshot.with_name(self.snapshot.name + ".journal")
        self.rotated = self.snapshot.with_name(self.snapshot.name + ".journal.old")
        self.compact_after_bytes = compact_after_bytes
        self.bytes_written = 0  # journal bytes appended since open (for tests and benches)
        self.compactions = 0
        self._fd: int | None = None
        self._size = 0  # current journal file size
        self._snapshot_size = 0
        self._compactor: threading.Thread | None = None
        self._files_lock = threading.Lock()  # one compaction or reset at a time

    # -- start ---------------------------------------------------------------------------
    def load(self) -> State:
        """Snapshot + rotated journal + journal, folded into a new snapshot; then open the
        journal for appending. A torn last line of a journal is dropped."""
        state = State.from_json(self.snapshot.read_text("utf-8")) if self.snapshot.exists() \
            else State()  # fmt: skip
        replayed = 0
        for path in (self.rotated, self.path):
            if path.exists():
                replayed += _replay(path, state)
        if replayed or not self.snapshot.exists():
            self._write_snapshot(state.to_json())
        else:
            self._snapshot_size = self.snapshot.stat().st_size
        for path in (self.rotated, self.path):
            path.unlink(missing_ok=True)
        self._open()
        return state

    def _open(self) -> None:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._size = os.fstat(self._fd).st_size

    # -- appending (the caller holds the store's lock) -----------------------------------
    def append(self, line: str) -> None:
        assert self._fd is not None, "journal is closed"
        data = line.encode("utf-8")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view):]
        self._size += len(data)
        self.bytes_written += len(data)
        if self._size > max(self.compact_after_bytes, self._snapshot_size):
            self._start_compaction()

    def _start_compaction(self) -> None:
        if self._compactor is not None and self._compactor.is_alive():
            return  # the previous one is still folding; the journal just grows a bit more
        if self.rotated.exists():
            return
        assert self._fd is not None
        os.close(self._fd)
        os.replace(self.path, self.rotated)
        self._open()
        self._compactor = threading.Thread(
            target=self._fold_rotated, name="stripe-double-compactor", daemon=True
        )
        self._compactor.start()

    # -- compaction (files only: never the live state) -----------------------------------
    def _fold_rotated(self) -> None:
        with self._files_lock:
            if not self.rotated.exists():
                return  # a reset came first
            try:
                state = State.from_json(self.snapshot.read_text("utf-8")) \
                    if self.snapshot.exists() else State()  # fmt: skip
                _replay(self.rotated, state)
                self._write_snapshot(state.to_json())
                self.rotated.unlink()
                self.compactions += 1
            except (OSError, ValueError) as error:  # the files stay; the next start folds them
                log.warning("stripe double: compaction failed: %s", error)

    def wait_for_compaction(self, timeout: float = 30.0) -> None:
        if self._compactor is not None:
            self._compactor.join(timeout)

    def _write_snapshot(self, text: str) -> None:
        tmp = self.snapshot.with_name(self.snapshot.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.snapshot)  # atomic: a crash leaves the old or the new snapshot
        _fsync_dir(self.snapshot.parent)
        self._snapshot_size = len(text)

    # -- reset and close (the caller holds the store's lock) -----------------------------
    def reset(self) -> None:
        """Everything forgotten: an empty snapshot, no journal."""
        self.wait_for_compaction()
        with self._files_lock:
            if self._fd is not None:
                os.close(self._fd)
            self.rotated.unlink(missing_ok=True)
            self.path.unlink(missing_ok=True)
            self._write_snapshot(State().to_json())
            self._open()

    def close(self, state: State) -> None:
        """Clean stop: the snapshot holds everything and the journal is empty."""
        self.wait_for_compaction()
        with self._files_lock:
            if self._fd is None:
                return
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            self._write_snapshot(state.to_json())
            self.rotated.unlink(missing_ok=True)
            self.path.unlink(missing_ok=True)


def _replay(path: Path, state: State) -> int:
    """Apply each line of `path`; a torn last line (a crash mid-write) is dropped."""
    lines = path.read_bytes().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    applied = 0
    for number, raw in enumerate(lines, start=1):
        try:
            record = json.loads(raw)
        except ValueError:
            if number == len(lines):
                log.warning("stripe double: %s: ignoring a torn last line (%d bytes)",
                            path, len(raw))  # fmt: skip
                break
            raise StateFileError(f"{path}: line {number} is not valid JSON") from None
        if not isinstance(record, dict):
            raise StateFileError(f"{path}: line {number} is not a journal record")
        state.apply(record)
        applied += 1
    return applied


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove_state_files(snapshot: str | Path) -> None:
    """Delete a state file and its journals (a fresh start)."""
    path = Path(snapshot)
    for name in (path.name, path.name + ".journal", path.name + ".journal.old",
                 path.name + ".tmp"):  # fmt: skip
        path.with_name(name).unlink(missing_ok=True)
