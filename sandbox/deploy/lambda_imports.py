"""Checks that the Lambda archive's handlers import under ministack's own interpreter.

ministack runs a Python Lambda in a subprocess of the interpreter it runs on (this venv's
Python, not python3.12): the zip is extracted and put first on ``sys.path``; boto3 comes
from the venv, as the Lambda runtime provides it on AWS. A dependency that is missing from
the zip, or not pure Python, fails here with a readable message instead of as a 502 later.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

# Imported by every handler's first request; listed so a failure names the culprit.
THIRD_PARTY = ("boto3", "stripe", "aws_lambda_powertools", "imapclient", "requests")


class LambdaImportError(RuntimeError):
    pass


def handler_modules() -> list[str]:
    from infra.functions import FUNCTION_SPECS

    return sorted({spec.handler.rsplit(".", 1)[0] for spec in FUNCTION_SPECS.values()})


def check_lambda_imports(
    archive: Path, modules: Iterable[str] | None = None, python: str = sys.executable
) -> None:
    """Import ``modules`` (default: third-party deps and every handler module) from the
    extracted ``archive`` in a fresh, isolated ``python``; raise :class:`LambdaImportError`."""
    names = list(modules) if modules is not None else [*THIRD_PARTY, *handler_modules()]
    script = (
        "import importlib, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "for name in sys.argv[2:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as error:\n"
        "        sys.exit(f'{name}: {error!r}')\n"
    )
    with tempfile.TemporaryDirectory(prefix="lambda-code-") as code_dir:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(code_dir)
        result = subprocess.run(
            [python, "-I", "-c", script, code_dir, *names],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise LambdaImportError(
            f"the Lambda archive {archive.name} does not import under {python}: "
            f"{(result.stderr or result.stdout).strip()[-2000:]}"
        )
