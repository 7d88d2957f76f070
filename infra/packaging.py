"""Builds the one Lambda archive from ``handlers/`` plus its pinned dependencies.

The archive is reproducible byte for byte: dependencies are installed as pure-Python wheels
(so the same zip runs on Lambda arm64 and in the local emulator), entries are sorted, and
every entry gets a fixed timestamp and mode. Same inputs, same bytes, same hash, so a second
``pulumi preview`` shows no diff.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HANDLERS_DIR = PROJECT_ROOT / "handlers"
BUILD_DIR = PROJECT_ROOT / "build"
LAMBDA_PYTHON_VERSION = "3.12"

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
# Files whose content depends on the machine that installed them, not on the inputs.
_EXCLUDED_NAMES = {"__pycache__", "direct_url.json", "INSTALLER", "RECORD", "REQUESTED", "bin"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class LambdaArchive:
    path: Path
    sha256: str
    size: int


def build_lambda_archive(
    handlers_dir: Path = HANDLERS_DIR, build_dir: Path = BUILD_DIR
) -> LambdaArchive:
    """Return the archive for ``handlers_dir``, building it (and its deps) if needed."""
    requirements = handlers_dir / "requirements.txt"
    deps_dir = _install_dependencies(requirements, build_dir / "deps")
    build_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=build_dir, suffix=".zip.tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            entries = {**_tree_entries(deps_dir), **_tree_entries(handlers_dir)}
            for name in sorted(entries):
                _write_entry(archive, name, entries[name])
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        final = build_dir / f"lambda-{digest[:16]}.zip"
        os.replace(tmp, final)  # atomic: concurrent builds of the same input agree
    finally:
        tmp.unlink(missing_ok=True)
    return LambdaArchive(path=final, sha256=digest, size=final.stat().st_size)


def _install_dependencies(requirements: Path, cache_root: Path) -> Path:
    """pip-install the pinned requirements once per distinct requirements file."""
    key = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    target = cache_root / key
    if target.is_dir():
        return target
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache_root, prefix=f".{key}-"))
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-compile", "--only-binary=:all:",
        # Pure-Python wheels only: py3-none-any runs on arm64 Lambda and x86_64 alike.
        "--platform", "any", "--implementation", "py", "--abi", "none",
        "--python-version", LAMBDA_PYTHON_VERSION,
        "--target", str(staging), "--requirement", str(requirements),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(
            f"installing Lambda dependencies from {requirements} failed "
            f"(only pure-Python wheels are allowed):\n{result.stderr.strip()}"
        )
    try:
        staging.rename(target)
    except OSError:  # another build won the race; its result is identical
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _tree_entries(root: Path) -> dict[str, Path]:
    entries: dict[str, Path] = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _EXCLUDED_NAMES]
        for filename in filenames:
            if filename in _EXCLUDED_NAMES or filename.endswith(_EXCLUDED_SUFFIXES):
                continue
            path = Path(directory) / filename
            entries[path.relative_to(root).as_posix()] = path
    return entries


def _write_entry(archive: zipfile.ZipFile, name: str, source: Path) -> None:
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.external_attr = 0o100644 << 16  # regular file, rw-r--r--, whatever the umask was
    info.create_system = 3  # Unix, so the mode above is honoured
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, source.read_bytes(), compresslevel=9)
