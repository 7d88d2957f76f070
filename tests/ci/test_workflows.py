"""The GitHub workflows reach `pulumi preview`/`up` on a runner that has only Python.

They must not run bin/setup (its apt installs of Debian's chromium and dovecot fail on
GitHub's Ubuntu runners) nor the offline suite; they install the program's requirements.txt,
pin the CLI to the SDK's version, keep the deploy role to main, skip fork pull requests
(which get no secrets) and enforce the policy pack.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FORBIDDEN = ("apt-get", "apt ", "chromium", "dovecot", "playwright", "bin/setup", "bin/test",
             "requirements-dev.txt")  # fmt: skip
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` as True


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _runs(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for step in _steps(workflow) if "run" in step]


def _pin(requirements: Path, package: str) -> str:
    match = re.search(rf"^{re.escape(package)}==([\w.]+)", requirements.read_text(), re.M)
    assert match, f"{package} is not pinned in {requirements.name}"
    return match.group(1)


@pytest.fixture(params=["preview.yml", "deploy.yml"])
def workflow(request) -> dict[str, Any]:
    return _load(request.param)


def test_installs_no_browser_mail_server_or_test_suite(workflow):
    for run in _runs(workflow):
        assert not [word for word in FORBIDDEN if word in run], run


def test_installs_the_programs_requirements_and_the_pack_only(workflow):
    installs = [run for run in _runs(workflow) if "pip install" in run]
    assert any("-r requirements.txt" in run for run in installs)
    assert any("-r policies/requirements.txt" in run for run in installs)
    assert len(installs) == 2, installs


def test_pins_the_cli_to_the_sdk_version(workflow):
    sdk = _pin(ROOT / "requirements.txt", "pulumi")
    setups = [s for s in _steps(workflow) if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert len(setups) == 1
    version = setups[0]["with"]["pulumi-version"]
    if version.startswith("${{"):  # taken from the workflow's env
        version = workflow["env"][version.removeprefix("${{ env.").removesuffix(" }}")]
    assert version == sdk


def test_every_pulumi_command_enforces_the_policy_pack(workflow):
    commands = [run for run in _runs(workflow) if re.search(r"\bpulumi (preview|up)\b", run)]
    assert commands
    for command in commands:
        assert "--policy-pack policies" in command, command


def _role(workflow: dict[str, Any]) -> str:
    (step,) = [s for s in _steps(workflow) if "configure-aws-credentials" in s.get("uses", "")]
    return step["with"]["role-to-assume"]


def test_preview_skips_fork_pull_requests_and_uses_the_read_only_role():
    preview = _load("preview.yml")
    assert set(_triggers(preview)) == {"pull_request"}
    (job,) = preview["jobs"].values()
    assert job["if"] == FORK_GUARD
    assert "environment" not in job, "the deploy environment is for main only"
    assert _role(preview) == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert not [run for run in _runs(preview) if re.search(r"\bpulumi (up|destroy)\b", run)]


def test_deploy_runs_only_on_main_in_its_environment_with_the_deploy_role():
    deploy = _load("deploy.yml")
    assert _triggers(deploy) == {"push": {"branches": ["main"]}}
    (job,) = deploy["jobs"].values()
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert job["environment"] == "dev"
    assert _role(deploy) == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert _role(deploy) != _role(_load("preview.yml"))
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_pulumi_builds_its_own_virtualenv_from_requirements_txt():
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    program = (ROOT / "requirements.txt").read_text()
    for package in ("pulumi", "pulumi-aws", "pulumi-random"):
        _pin(ROOT / "requirements.txt", package)
    assert "pytest" not in program and "playwright" not in program
