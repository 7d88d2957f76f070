import pytest

from tests.infra.harness import ProgramRun, run_program


@pytest.fixture(scope="module")
def dev_run() -> ProgramRun:
    """The program as the dev stack declares it (built once per test module)."""
    return run_program()
