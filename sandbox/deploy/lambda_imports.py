"""Checks that each function's Lambda archive imports its handler.

Two interpreters' views:

- ``lambda_like=False`` (ministack's): ministack runs a Python Lambda in a subprocess of the
  interpreter it runs on (this venv's Python, not python3.12): the zip is extracted and put
  first on ``sys.path``, and the venv's site-packages stay behind it.
- ``lambda_like=True`` (Lambda's): only the extracted zip and what the Lambda Python runtime
  provides (boto3 and its dependencies, linked from this venv) are importable, so a
  dependency missing from the function's own archive fails here, not in production.

A failure names the module, with a readable message, instead of a 502 later.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

# What the Lambda Python runtime itself provides (with their dependencies); archives do not
# ship them (AWS Lambda Developer Guide, "Runtime-included SDK versions").
RUNTIME_DISTRIBUTIONS = ("boto3",)

_IMPORT_SCRIPT = (
    "import importlib, sys\n"
    "sys.path[:0] = sys.argv[1].split('\\n')\n"
    "for name in sys.argv[2:]:\n"
    "    try:\n"
    "        importlib.import_module(name)\n"
    "    except Exception as error:\n"
    "        sys.exit(f'{name}: {error!r}')\n"
)


class LambdaImportError(RuntimeError):
    pass


def handler_module(handler: str) -> str:
    """``apisales.routes.account.lambda_handler`` -> ``apisales.routes.account``."""
    return handler.rsplit(".", 1)[0]


def check_function_archives(
    archives: Mapping[str, Path], *, lambda_like: bool = True, python: str = sys.executable
) -> None:
    """Each function's handler module imports from that function's archive."""
    from infra.functions import all_function_specs

    specs = all_function_specs()
    for function, archive in sorted(archives.items()):
        module = handler_module(specs[function].handler)
        check_lambda_imports(archive, [module], lambda_like=lambda_like, python=python)


def check_lambda_imports(
    archive: Path,
    modules: Iterable[str],
    *,
    lambda_like: bool = False,
    python: str = sys.executable,
) -> None:
    """Import ``modules`` from the extracted ``archive`` in a fresh, isolated ``python``;
    raise :class:`LambdaImportError` naming the first that fails."""
    with lambda_code(archive, lambda_like=lambda_like) as (path, flags):
        result = subprocess.run(
            [python, *flags, "-c", _IMPORT_SCRIPT, "\n".join(map(str, path)), *modules],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        view = "the Lambda runtime's view" if lambda_like else python
        raise LambdaImportError(
            f"the Lambda archive {archive.name} does not import under {view}: "
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )


@contextmanager
def lambda_code(
    archive: Path, *, lambda_like: bool = True
) -> Iterator[tuple[list[Path], list[str]]]:
    """Extract ``archive``; yield the ``sys.path`` entries to put first and the interpreter
    flags (``-I``; plus ``-S``, no site-packages, for the Lambda runtime's view)."""
    with tempfile.TemporaryDirectory(prefix="lambda-code-") as workdir:
        code_dir = Path(workdir) / "task"
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(code_dir)
        if not lambda_like:
            yield [code_dir], ["-I"]
            return
        runtime_dir = Path(workdir) / "runtime"
        link_runtime_packages(runtime_dir)
        # As on Lambda: the function's code first, then the runtime's boto3.
        yield [code_dir, runtime_dir], ["-I", "-S"]


def link_runtime_packages(target: Path) -> None:
    """Link this venv's copies of the runtime-provided distributions into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for top_level, source in runtime_packages().items():
        (target / top_level).symlink_to(source, target_is_directory=source.is_dir())


def runtime_packages() -> dict[str, Path]:
    """Top-level module or package name -> its path here, for :data:`RUNTIME_DISTRIBUTIONS`
    and every distribution they require."""
    found: dict[str, Path] = {}
    pending, seen = list(RUNTIME_DISTRIBUTIONS), set()
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        dist = importlib.metadata.distribution(name)
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                pending.append(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0))
        for file in dist.files or []:
            top = file.parts[0]
            if top.endswith((".dist-info", ".egg-info", ".pth")) or top in {"..", "__pycache__"}:
                continue
            if len(file.parts) == 1 and not top.endswith(".py"):
                continue
            found[top] = Path(str(dist.locate_file(top)))
    return found
