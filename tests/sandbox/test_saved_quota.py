"""``bin/sandbox --resume --free-quota N``: a resume keeps the usage plan it was deployed
with, so it reports that quota and refuses a different one instead of announcing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.__main__ import main
from sandbox.deploy.deploy import DEPLOYED_FILE
from sandbox.run import Sandbox, SandboxOptions
from sandbox.run.saved_quota import FreeQuotaConflict, record_free_quota, resumed_free_quota


def test_a_resume_runs_with_the_quota_its_deploy_recorded(tmp_path: Path) -> None:
    record_free_quota(tmp_path, 3)
    assert resumed_free_quota(tmp_path, None) == 3
    assert resumed_free_quota(tmp_path, 3) == 3
    record_free_quota(tmp_path, None)  # deployed with the stack config's own quota
    assert resumed_free_quota(tmp_path, None) is None


@pytest.mark.parametrize("saved", [3, None])
def test_a_different_free_quota_is_refused_with_what_to_do(
    tmp_path: Path, saved: int | None
) -> None:
    record_free_quota(tmp_path, saved)
    with pytest.raises(FreeQuotaConflict) as refused:
        resumed_free_quota(tmp_path, 5)
    message = str(refused.value)
    assert "--free-quota 5 cannot apply to a resumed sandbox" in message
    assert "--fresh --free-quota 5" in message
    assert ("3 calls a month" if saved else "the stack config's quota") in message


def test_a_deploy_that_recorded_nothing_refuses_any_free_quota(tmp_path: Path) -> None:
    assert resumed_free_quota(tmp_path, None) is None
    with pytest.raises(FreeQuotaConflict, match="did not record"):
        resumed_free_quota(tmp_path, 3)


def test_the_sandbox_refuses_before_starting_anything(tmp_path: Path) -> None:
    (tmp_path / DEPLOYED_FILE).write_text("{}")
    record_free_quota(tmp_path, 3)
    sandbox = Sandbox(SandboxOptions(workdir=tmp_path, port_web=0, port_ministack=0,
                                     port_stripe=0, mode="resume", free_quota=7),
                      log=lambda line: None)  # fmt: skip
    with pytest.raises(FreeQuotaConflict):
        sandbox.start()
    assert sandbox.ministack is None and sandbox.stripe is None and sandbox.web is None


def test_bin_sandbox_says_it_in_one_line_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / DEPLOYED_FILE).write_text("{}")
    record_free_quota(tmp_path, 3)
    code = main(["--resume", "--free-quota", "7", "--workdir", str(tmp_path),
                 "--port-web", "0", "--port-ministack", "0", "--port-stripe", "0"])  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("sandbox: --free-quota 7 cannot apply to a resumed sandbox")
