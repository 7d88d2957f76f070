"""Which modules a handler can load: a static walk of ``import`` statements over a staged tree.

Used by :mod:`infra.packaging` for the project's own packages and for the pinned
dependencies alike. A module's edges are every ``import`` in it that runs (module level or
inside functions, relative ones resolved), not the ones under ``if TYPE_CHECKING:`` (never
executed); ``from package import name`` counts ``package.name`` when that is a module, and
``from package import *`` counts the submodules named in the package's literal ``__all__``.
Imports by name at run time (``importlib``, ``__import__``, module ``__getattr__`` tables)
are invisible to this walk: :func:`loads_by_name` finds the modules that may do it, and
``infra.dependency_rules`` says, rule by rule, what each of them loads.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path

# Importing one of these means the module may load modules or read files by name, at run
# time, in ways no ``import`` statement shows (Powertools' LazyLoader wraps importlib).
NAME_LOADERS = (
    "importlib", "pkgutil", "pkg_resources", "importlib_metadata", "importlib_resources",
    "runpy", "imp", "zipimport", "aws_lambda_powertools.shared.lazy_import",
)  # fmt: skip
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")

Roots = Mapping[str, Path]  # top-level package or module name -> the folder it is in


def module_path(name: str, roots: Roots) -> Path | None:
    """The file of module ``name`` (a package's ``__init__.py``), if it is under its root."""
    root = roots.get(name.split(".", 1)[0])
    if root is None:
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def reachable_modules(
    seeds: Iterable[str],
    roots: Roots,
    extra_imports: Callable[[str, Path], Iterable[str]] = lambda name, path: (),
    skip: Callable[[str, Path], bool] = lambda name, path: False,
) -> set[str]:
    """``seeds`` and every module under ``roots`` they can import, directly or not, with
    their parent packages. ``extra_imports(name, path)``: what ``name`` loads by name
    (the rules), walked like its ``import`` statements. ``skip(name, path)``: modules
    treated as absent (left out of the archive on purpose)."""
    found: set[str] = set()
    pending = list(seeds)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        path = module_path(name, roots)
        if path is None or skip(name, path):
            continue  # not ours to ship (stdlib, runtime) or ``from package import name``
        found.add(name)
        parts = name.split(".")
        pending.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        for imported in (*static_imports(path, name), *extra_imports(name, path)):
            if imported.endswith(".*"):  # ``from package import *``
                pending.extend(_star_submodules(imported[:-2], roots))
            else:
                pending.append(imported)
    return found


def loads_by_name(path: Path) -> list[str]:
    """How the module at ``path`` may load modules (or their files) by name at run time:
    the :data:`NAME_LOADERS` it imports, ``__import__`` calls, a module ``__getattr__``."""
    tree = _parse(path)
    skipped = _type_checking_only(tree)
    uses: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            uses.update(n for n in _names_of(node, "") if _is_loader(n))
        elif isinstance(node, ast.Call) and ast.unparse(node.func) == "__import__":
            uses.add("__import__")
    for node in _module_level(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            uses.add("module __getattr__")
    return sorted(uses)


def dotted_strings(path: Path) -> set[str]:
    """Every string constant in the module at ``path`` shaped like a dotted module name."""
    return {
        node.value for node in ast.walk(_parse(path))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and _DOTTED.fullmatch(node.value)
    }  # fmt: skip


def _is_loader(name: str) -> bool:
    return any(name == loader or name.startswith(loader + ".") for loader in NAME_LOADERS)


def _parse(path: Path) -> ast.Module:
    stat = path.stat()  # a file edited since (a test, a long session) is parsed again
    return _parse_version(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4096)
def _parse_version(path: Path, mtime_ns: int, size: int) -> ast.Module:
    return ast.parse(path.read_bytes(), str(path))


def static_imports(path: Path, name: str) -> tuple[str, ...]:
    """Every module name an executed ``import`` in ``path`` may load (absolute)."""
    tree = _parse(path)
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
            names.extend(_names_of(node, package))
    return tuple(names)


def _names_of(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        anchor = package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:`` (its ``else`` runs, so it is kept)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            skipped.update(id(n) for statement in node.body for n in ast.walk(statement))
    return skipped


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level(tree: ast.Module) -> Iterable[ast.stmt]:
    """Statements run at import: the module's body, into ``if``/``try`` blocks."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If | ast.Try):
            pending.extend(node.body)
            pending.extend(node.orelse)
        if isinstance(node, ast.Try):
            pending.extend(node.finalbody)
            pending.extend(s for handler in node.handlers for s in handler.body)


def _star_submodules(package: str, roots: Roots) -> list[str]:
    """``package`` and its submodules named in its literal ``__all__``."""
    path = module_path(package, roots)
    names: list[str] = [package]
    if path is None or path.name != "__init__.py":
        return names
    for node in _module_level(_parse(path)):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            names.extend(
                f"{package}.{element.value}" for element in node.value.elts
                if isinstance(element, ast.Constant) and isinstance(element.value, str)
            )  # fmt: skip
    return names
