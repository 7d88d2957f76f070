"""Each function's archive imports its handler under ministack's interpreter (the one the
Lambdas run on here) and under the Lambda runtime's view (the archive plus boto3 only)."""

from __future__ import annotations

import pytest

from sandbox.deploy.lambda_imports import (
    LambdaImportError,
    check_function_archives,
    check_lambda_imports,
    runtime_packages,
)
from tests.infra.harness import shared_archives


@pytest.mark.parametrize("lambda_like", [False, True])
def test_every_handler_imports_from_its_own_archive(lambda_like: bool) -> None:
    archives = {function: archive.path for function, archive in shared_archives().items()}
    check_function_archives(archives, lambda_like=lambda_like)


def test_a_missing_module_is_named() -> None:
    with pytest.raises(LambdaImportError, match="no_such_module"):
        check_lambda_imports(shared_archives()["account"].path, ["no_such_module"])


def test_a_dependency_of_another_function_is_not_importable_on_lambda() -> None:
    account = shared_archives()["account"].path
    check_lambda_imports(account, ["stripe"])  # ministack's venv has it: masked there
    with pytest.raises(LambdaImportError, match="stripe"):
        check_lambda_imports(account, ["stripe"], lambda_like=True)


def test_the_runtime_view_holds_boto3_and_its_dependencies_only() -> None:
    names = set(runtime_packages())
    assert {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"} <= names
    assert not names & {"stripe", "aws_lambda_powertools", "imapclient", "requests", "apisales"}
