"""Builds one Lambda archive per function: only the code and dependencies that function imports.

What goes into a function's archive:

- the modules of ``handlers/apisales`` (and, for a product's function, of the product's own
  package, docs/products.md) its handler module reaches through ``import`` statements (module
  level or inside functions, so lazily imported modules come along), their parent packages,
  and the non-Python files of those packages;
- the dependencies every function needs (``handlers/requirements.txt``) plus the function's
  own (``handlers/requirements/<function>.txt``, or the product's ``requirements.txt``):
  pinned, transitive ones included.
  ``boto3``/``botocore`` are not shipped: the Lambda Python runtime provides them, and
  :data:`UNUSED_DEPENDENCY_FILES` (files of those dependencies no function loads) are left out.

Each archive is reproducible byte for byte: dependencies are installed as pure-Python wheels
(so the same zip runs on Lambda arm64 and in the local emulator), entries are sorted, and
every entry gets a fixed timestamp and mode. Same inputs, same bytes, same hash, so a second
``pulumi preview`` shows no diff.
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HANDLERS_DIR = PROJECT_ROOT / "handlers"
BUILD_DIR = PROJECT_ROOT / "build"
SOURCE_PACKAGE = "apisales"  # the runtime package under handlers/
COMMON_REQUIREMENTS = "requirements.txt"  # relative to handlers/: what every function needs
FUNCTION_REQUIREMENTS = "requirements"  # handlers/requirements/<function>.txt: its own
LAMBDA_PYTHON_VERSION = "3.12"

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry
# Files whose content depends on the machine that installed them, not on the inputs.
_EXCLUDED_NAMES = {"__pycache__", "direct_url.json", "INSTALLER", "RECORD", "REQUESTED", "bin"}
_EXCLUDED_SUFFIXES = (".pyc", ".pyo")

# Files of the pinned dependencies that no function ever loads, left out to keep archives
# small (tests/infra/test_packaging.py checks each reason against the pinned versions).
UNUSED_DEPENDENCY_FILES = (
    # Swagger UI assets (0.4 MiB zipped): served only after ``enable_swagger()``, never called.
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.js",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.css",
    # Request-parameter TypedDicts (1 MiB zipped): the SDK imports them only for type
    # checkers (``if TYPE_CHECKING``) or when code reads the ``stripe.params`` attribute.
    "stripe/params/*",
)


@dataclass(frozen=True)
class ArchiveSource:
    """What one function's archive is built from, beyond ``handlers/`` and its requirements.

    ``source_root``: a folder holding another top-level package (a product's, such as
    ``products/fm_mail`` for ``fm_mail``) whose modules the handler may import as well.
    ``requirements``: the function's own pinned requirements file, when it is not
    ``handlers/requirements/<function>.txt``.
    """

    handler: str
    requirements: Path | None = None
    source_root: Path | None = None


@dataclass(frozen=True)
class LambdaArchive:
    path: Path
    sha256: str
    size: int


def build_function_archives(
    handlers: Mapping[str, str | ArchiveSource],
    handlers_dir: Path = HANDLERS_DIR,
    build_dir: Path = BUILD_DIR,
) -> dict[str, LambdaArchive]:
    """One archive per function; ``handlers`` maps each function to its Lambda handler
    string (``apisales.routes.account.lambda_handler``) or its :class:`ArchiveSource`."""
    return {
        function: build_function_archive(function, handler, handlers_dir, build_dir)
        for function, handler in sorted(handlers.items())
    }


def build_function_archive(
    function: str,
    handler: str | ArchiveSource,
    handlers_dir: Path = HANDLERS_DIR,
    build_dir: Path = BUILD_DIR,
) -> LambdaArchive:
    """Return the archive of ``function``, building it (and its deps) if needed."""
    source = handler if isinstance(handler, ArchiveSource) else ArchiveSource(handler)
    roots = source_roots(handlers_dir, source.source_root)
    entries: dict[str, Path] = {}
    for requirements in requirement_files(function, handlers_dir, source.requirements):
        deps_dir = _install_dependencies(requirements, build_dir / "deps")
        used = {
            name: path for name, path in _tree_entries(deps_dir).items()
            if not any(fnmatch.fnmatchcase(name, unused) for unused in UNUSED_DEPENDENCY_FILES)
        }  # fmt: skip
        _merge(entries, used, requirements.name)
    _merge(entries, source_files(source.handler.rsplit(".", 1)[0], roots), "handlers")
    return _write_archive(entries, build_dir, f"lambda-{function}")


def source_roots(handlers_dir: Path = HANDLERS_DIR, extra: Path | None = None) -> dict[str, Path]:
    """Top-level package -> the folder it is in: ``apisales`` in ``handlers/``, plus every
    package of ``extra`` (a product's folder)."""
    roots = {SOURCE_PACKAGE: handlers_dir}
    if extra is not None:
        for init in sorted(extra.glob("*/__init__.py")):
            roots.setdefault(init.parent.name, extra)
    return roots


def requirement_files(
    function: str, handlers_dir: Path = HANDLERS_DIR, own: Path | None = None
) -> list[Path]:
    """The pinned requirements files of ``function``: the common one, then its own."""
    own = own or handlers_dir / FUNCTION_REQUIREMENTS / f"{function}.txt"
    if not own.is_file():
        raise FileNotFoundError(
            f"{own} is missing: each function lists its own dependencies there "
            f"(an empty file when it needs nothing beyond {COMMON_REQUIREMENTS})"
        )
    return [handlers_dir / COMMON_REQUIREMENTS, own]


def source_files(
    module: str, handlers_dir: Path | Mapping[str, Path] = HANDLERS_DIR
) -> dict[str, Path]:
    """Archive name -> file for ``module`` and every module of the runtime package(s) it
    reaches through ``import`` statements, with the data files of the packages involved.
    ``handlers_dir``: ``handlers/``, or top-level package -> folder (:func:`source_roots`)."""
    roots = _roots(handlers_dir)
    files: dict[str, Path] = {}
    for name in imported_modules(module, roots):
        root = roots[name.split(".", 1)[0]]
        path = _module_path(name, root)
        assert path is not None  # imported_modules only yields modules that exist
        files[path.relative_to(root).as_posix()] = path
        if path.name == "__init__.py":
            files.update(_package_data(path.parent, root))
    return files


def imported_modules(
    module: str, handlers_dir: Path | Mapping[str, Path] = HANDLERS_DIR
) -> set[str]:
    """``module`` and the runtime-package modules it imports, directly or not (with their
    parent packages). Static: every ``import`` counts, including ones inside functions."""
    roots = _roots(handlers_dir)
    if module.split(".", 1)[0] not in roots:
        raise ModuleNotFoundError(f"{module} is in none of {sorted(roots)}")
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        root = roots.get(name.split(".", 1)[0])
        if name in found or root is None:
            continue
        path = _module_path(name, root)
        if path is None:
            if name == module:
                raise ModuleNotFoundError(f"{module} is not under {root}")
            continue  # ``from package import name`` where name is not a module
        found.add(name)
        parts = name.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        pending.extend(_imports_of(path, name))
    return found


def _imports_of(path: Path, name: str) -> list[str]:
    """Every module name an ``import`` in ``path`` may load (absolute, possibly not ours)."""
    is_package = path.name == "__init__.py"
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.append(base)
            names.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def _roots(handlers_dir: Path | Mapping[str, Path]) -> Mapping[str, Path]:
    return source_roots(handlers_dir) if isinstance(handlers_dir, Path) else handlers_dir


def _module_path(name: str, handlers_dir: Path) -> Path | None:
    base = handlers_dir.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _package_data(package_dir: Path, handlers_dir: Path) -> dict[str, Path]:
    """Non-Python files of a package (schemas, templates), down to, not into, subpackages."""
    data: dict[str, Path] = {}
    for directory, dirnames, filenames in os.walk(package_dir):
        dirnames[:] = [
            d for d in dirnames
            if d not in _EXCLUDED_NAMES and not (Path(directory, d) / "__init__.py").exists()
        ]  # fmt: skip
        for filename in filenames:
            if filename.endswith((".py", *_EXCLUDED_SUFFIXES)) or filename in _EXCLUDED_NAMES:
                continue
            path = Path(directory) / filename
            data[path.relative_to(handlers_dir).as_posix()] = path
    return data


def _merge(entries: dict[str, Path], new: Mapping[str, Path], origin: str) -> None:
    for name, path in new.items():
        if name in entries and entries[name].read_bytes() != path.read_bytes():
            raise RuntimeError(f"{name} from {origin} differs from the one already in the archive")
        entries.setdefault(name, path)


def _write_archive(entries: Mapping[str, Path], build_dir: Path, prefix: str) -> LambdaArchive:
    build_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=build_dir, suffix=".zip.tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for name in sorted(entries):
                _write_entry(archive, name, entries[name])
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        final = build_dir / f"{prefix}-{digest[:16]}.zip"
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
    if _pins(requirements):  # pip refuses a file with no requirement in it
        _pip_install(requirements, staging)
    try:
        staging.rename(target)
    except OSError:  # another build won the race; its result is identical
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _pins(requirements: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in requirements.read_text().splitlines())
    return [line for line in lines if line]


def _pip_install(requirements: Path, target: Path) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--no-compile", "--only-binary=:all:",
        # Pure-Python wheels only: py3-none-any runs on arm64 Lambda and x86_64 alike.
        "--platform", "any", "--implementation", "py", "--abi", "none",
        "--python-version", LAMBDA_PYTHON_VERSION,
        "--target", str(target), "--requirement", str(requirements),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        raise RuntimeError(
            f"installing Lambda dependencies from {requirements} failed "
            f"(only pure-Python wheels are allowed):\n{result.stderr.strip()}"
        )


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
