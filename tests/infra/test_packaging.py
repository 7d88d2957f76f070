"""The Lambda archive is built by the program and is reproducible byte for byte."""

import shutil
import subprocess
import sys
import zipfile

import pytest

from infra.packaging import HANDLERS_DIR, build_lambda_archive


@pytest.fixture(scope="module")
def handlers_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("handlers") / "handlers"
    shutil.copytree(HANDLERS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_two_independent_builds_are_identical(handlers_copy, tmp_path):
    first = build_lambda_archive(handlers_copy, tmp_path / "one")
    second = build_lambda_archive(handlers_copy, tmp_path / "two")  # fresh pip install too
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()


def test_a_changed_handler_changes_the_archive(handlers_copy, tmp_path):
    before = build_lambda_archive(handlers_copy, tmp_path)
    touched = handlers_copy / "apisales" / "__init__.py"
    original = touched.read_text()
    touched.write_text(original + "# changed\n")
    try:
        after = build_lambda_archive(handlers_copy, tmp_path)
    finally:
        touched.write_text(original)
    assert after.sha256 != before.sha256


def test_archive_holds_handlers_and_pure_python_dependencies(handlers_copy, tmp_path):
    archive = build_lambda_archive(handlers_copy, tmp_path)
    with zipfile.ZipFile(archive.path) as zf:
        infos = zf.infolist()
    names = {i.filename for i in infos}
    assert "apisales/http/errors.py" in names
    assert "stripe/__init__.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyc")) or "__pycache__" in n]
    assert not [n for n in names if n.endswith("direct_url.json")], "machine-specific paths"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert [i.filename for i in infos] == sorted(names)


def test_archive_imports_on_a_bare_interpreter(handlers_copy, tmp_path):
    """What Lambda does: the zip is the whole import path (no site-packages)."""
    archive = build_lambda_archive(handlers_copy, tmp_path)
    code = "import stripe, aws_lambda_powertools, imapclient, apisales.http.errors; print('ok')"
    script = f"import sys; sys.path.insert(0, {str(archive.path)!r}); {code}"
    result = subprocess.run(
        [sys.executable, "-S", "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_program_deploys_that_archive(dev_run):
    from tests.infra.harness import shared_archive

    for fn in dev_run.of_type("aws:lambda/function:Function"):
        assert fn.inputs["code"].path == str(shared_archive().path)
    assert shared_archive().path.is_file()
