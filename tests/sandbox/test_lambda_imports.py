"""The Lambda archive imports under ministack's interpreter (the one Lambdas run on here)."""

from __future__ import annotations

import pytest

from sandbox.deploy.lambda_imports import LambdaImportError, check_lambda_imports
from tests.infra.harness import shared_archive


def test_handlers_and_their_dependencies_import() -> None:
    check_lambda_imports(shared_archive().path)


def test_a_missing_module_is_named() -> None:
    with pytest.raises(LambdaImportError, match="no_such_module"):
        check_lambda_imports(shared_archive().path, ["no_such_module"])
