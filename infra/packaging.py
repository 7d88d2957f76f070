"""Builds one Lambda archive per function: only the code and dependencies that function imports.

What goes into a function's archive:

- the modules of ``handlers/apisales`` (and, for a product's function, of the product's own
  package, docs/products.md) its handler module reaches through ``import`` statements (module
  level or inside functions, so lazily imported modules come along), their parent packages,
  and the non-Python files of those packages;
- of the dependencies every function needs (``handlers/requirements.txt``) plus the
  function's own (``handlers/requirements/<function>.txt``, or the product's
  ``requirements.txt``), pinned, transitive ones included and installed into a staging
  folder: only the modules the handler can reach by the same walk (``if TYPE_CHECKING``
  imports excluded) plus what :mod:`infra.dependency_rules` adds (modules loaded by name,
  packages shipped whole), their packages' data files, and each shipped distribution's
  licence files. A shipped module that can load by name with no rule saying what it loads
  stops the build. ``boto3``/``botocore`` are not shipped: the Lambda Python runtime
  provides them.

Each archive is reproducible byte for byte: dependencies are installed as pure-Python wheels
(so the same zip runs on Lambda arm64 and in the local emulator), entries are sorted, and
every entry gets a fixed timestamp and mode. Same inputs, same bytes, same hash, so a second
``pulumi preview`` shows no diff.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.dependency_rules import (
    DISTRIBUTION_FILES,
    METADATA_READ,
    SHIPPED_WHOLE,
    extra_imports,
    is_not_runtime,
    is_unused,
    rule_for,
)
from infra.import_graph import Roots, loads_by_name, module_path, reachable_modules

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
    module = source.handler.rsplit(".", 1)[0]
    roots = source_roots(handlers_dir, source.source_root)
    deps_dirs = [
        _install_dependencies(requirements, build_dir / "deps")
        for requirements in requirement_files(function, handlers_dir, source.requirements)
    ]
    entries: dict[str, Path] = {}
    _merge(entries, dependency_files(module, deps_dirs, roots), "requirements")
    _merge(entries, source_files(module, roots), "handlers")
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


def source_files(module: str, handlers_dir: Path | Roots = HANDLERS_DIR) -> dict[str, Path]:
    """Archive name -> file for ``module`` and every module of the runtime package(s) it
    reaches through ``import`` statements, with the data files of the packages involved.
    ``handlers_dir``: ``handlers/``, or top-level package -> folder (:func:`source_roots`)."""
    roots = _roots(handlers_dir)
    files: dict[str, Path] = {}
    for name in imported_modules(module, roots):
        files.update(_module_files(name, roots))
    return files


def imported_modules(module: str, handlers_dir: Path | Roots = HANDLERS_DIR) -> set[str]:
    """``module`` and the runtime-package modules it imports, directly or not (with their
    parent packages). Static: every ``import`` that runs counts, including ones inside
    functions (not those under ``if TYPE_CHECKING``)."""
    roots = _roots(handlers_dir)
    if module.split(".", 1)[0] not in roots:
        raise ModuleNotFoundError(f"{module} is in none of {sorted(roots)}")
    if module_path(module, roots) is None:
        raise ModuleNotFoundError(f"{module} is not under {roots[module.split('.', 1)[0]]}")
    return reachable_modules([module], roots)


def dependency_files(module: str, deps_dirs: Sequence[Path], roots: Roots) -> dict[str, Path]:
    """Archive name -> file of the installed dependencies (``deps_dirs``) that ``module``
    (under ``roots``, the project's packages) needs: the dependency modules it can reach,
    their packages' data files and the rules of :mod:`infra.dependency_rules`."""
    staged: dict[str, Path] = {}
    for deps_dir in deps_dirs:
        _merge(staged, _tree_entries(deps_dir), deps_dir.name)
    deps_roots = _top_level_modules(deps_dirs)
    if clash := sorted(set(deps_roots) & set(roots)):
        raise RuntimeError(f"a dependency installs a package of the project: {clash}")
    all_roots = {**deps_roots, **roots}

    def unused(name: str, path: Path) -> bool:
        deps_dir = deps_roots.get(name.split(".", 1)[0])
        return deps_dir is not None and is_unused(path.relative_to(deps_dir).as_posix())

    modules = reachable_modules([module], all_roots, extra_imports, skip=unused)
    files: dict[str, Path] = {}
    for name in sorted(m for m in modules if m.split(".", 1)[0] in deps_roots):
        files.update(_module_files(name, all_roots))
    shipped_tops = {name.split("/", 1)[0] for name in files}
    for top in sorted(shipped_tops & set(SHIPPED_WHOLE)):
        files.update({n: p for n, p in staged.items() if n.startswith(f"{top}/")})
    for deps_dir in deps_dirs:
        files.update(_distribution_files(deps_dir, set(files)))
    files = {
        name: path for name, path in sorted(files.items())
        if not is_unused(name) and not is_not_runtime(name)
    }  # fmt: skip
    shipped = {n: _must(module_path(n, all_roots)) for n in modules if n.split(".")[0] in roots}
    shipped.update({_module_name(n): p for n, p in files.items() if n.endswith(".py")})
    _refuse_unreviewed_loaders(shipped)
    return files


def _refuse_unreviewed_loaders(modules: Mapping[str, Path]) -> None:
    """Stop the build when a shipped module may load by name and no rule says what it loads."""
    unreviewed = {
        name: uses for name, path in sorted(modules.items())
        if (uses := loads_by_name(path)) and rule_for(name) is None
    }  # fmt: skip
    if unreviewed:
        raise RuntimeError(
            "these modules may load modules or files by name at run time and no rule of "
            f"infra/dependency_rules.py says what they load: {unreviewed}"
        )


def _module_name(archive_name: str) -> str:
    """``stripe/_util.py`` -> ``stripe._util``; ``stripe/__init__.py`` -> ``stripe``."""
    return archive_name.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def _module_files(name: str, roots: Roots) -> dict[str, Path]:
    """The file of module ``name``; with the package's data files when it is a package."""
    path = _must(module_path(name, roots))
    root = roots[name.split(".", 1)[0]]
    files = {path.relative_to(root).as_posix(): path}
    if path.name == "__init__.py":
        files.update(_package_data(path.parent, root))
    return files


def _top_level_modules(deps_dirs: Sequence[Path]) -> dict[str, Path]:
    """Top-level package or module name -> the dependency folder it is installed in."""
    found: dict[str, Path] = {}
    for deps_dir in deps_dirs:
        for entry in sorted(deps_dir.iterdir()):
            if (entry / "__init__.py").is_file() or entry.suffix == ".py":
                found.setdefault(entry.stem if entry.is_file() else entry.name, deps_dir)
    return found


def _distribution_files(deps_dir: Path, shipped: set[str]) -> dict[str, Path]:
    """The licence files (:data:`DISTRIBUTION_FILES`) of every distribution in ``deps_dir``
    with at least one file in ``shipped`` (licences travel with the code), and its METADATA
    where the code reads it (:data:`METADATA_READ`)."""
    files: dict[str, Path] = {}
    for record in sorted(deps_dir.glob("*.dist-info/RECORD")):
        info = record.parent
        installed = {line.split(",", 1)[0] for line in record.read_text().splitlines()}
        if not installed & shipped:
            continue
        kept: tuple[str, ...] = DISTRIBUTION_FILES
        if _distribution_name(info) in METADATA_READ:
            kept = (*kept, "METADATA")
        for path in sorted(p for p in info.rglob("*") if p.is_file()):
            if any(fnmatch.fnmatchcase(path.relative_to(info).as_posix(), k) for k in kept):
                files[path.relative_to(deps_dir).as_posix()] = path
    return files


def _distribution_name(info: Path) -> str:
    """``typing_extensions-4.16.0.dist-info`` -> ``typing-extensions`` (PEP 503 form)."""
    return re.sub(r"[-_.]+", "-", info.name.removesuffix(".dist-info").rsplit("-", 1)[0]).lower()


def _must(path: Path | None) -> Path:
    assert path is not None  # reachable_modules only yields modules that exist
    return path


def _roots(handlers_dir: Path | Roots) -> Roots:
    return source_roots(handlers_dir) if isinstance(handlers_dir, Path) else handlers_dir


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
