"""The pack's shape: entry point, project file, pins, names. Nothing here starts the server."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import yaml
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

from policies.rules import ALL_POLICIES

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"

EXPECTED_NAMES = [
    "cognito-client-no-custom-write",
    "dynamodb-pitr-and-encryption",
    "usage-plan-quota-and-throttle",
    "api-method-authorized",
    "iam-no-wildcards",
    "lambda-env-no-secrets",
    "lambda-supported-python",
    "stateful-resources-protected",
    "s3-bucket-not-public",
    "alarms-notify",
    "sns-topic-customer-key",
]


def test_every_rule_is_in_the_pack_once_with_a_description() -> None:
    assert [p.name for p in ALL_POLICIES] == EXPECTED_NAMES
    for policy in ALL_POLICIES:
        assert isinstance(policy, ResourceValidationPolicy)
        assert len(policy.description) > 40
        # The pack's MANDATORY default applies unless a stack's policy config lowers it.
        assert policy.enforcement_level is None


def test_main_only_constructs_the_mandatory_pack() -> None:
    tree = ast.parse((PACK / "__main__.py").read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "PolicyPack"
    ]
    assert len(calls) == 1
    [call] = calls
    assert isinstance(call.args[0], ast.Constant) and call.args[0].value == "api-sales-policies"
    keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
    assert keywords == {
        "enforcement_level": "EnforcementLevel.MANDATORY",
        "policies": "ALL_POLICIES",
    }
    assert EnforcementLevel.MANDATORY.value == "mandatory"
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.ImportFrom)]
    # The CLI runs the pack with policies/ itself on sys.path, hence the top-level import.
    assert "from rules import ALL_POLICIES" in imports


def test_rules_module_never_constructs_a_pack() -> None:
    tree = ast.parse((PACK / "rules.py").read_text())
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "PolicyPack" not in names


def test_project_file_is_a_python_pack_with_its_virtualenv() -> None:
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    assert re.fullmatch(r"\d+\.\d+\.\d+", project["version"])


def _pins(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_pack_pins_match_the_dev_environment() -> None:
    pack = _pins(PACK / "requirements.txt")
    assert pack == {"pulumi-policy": "1.21.0", "pulumi": "3.272.0"}
    # requirements-dev.txt includes the program's requirements.txt (-r), where pulumi is.
    dev = {**_pins(ROOT / "requirements.txt"), **_pins(ROOT / "requirements-dev.txt")}
    for name, version in pack.items():
        assert dev.get(name) == version, f"{name} differs from the program's pins"


def test_shipped_policy_config_lowers_only_protection() -> None:
    config = json.loads((PACK / "unprotected-stack.json").read_text())
    assert config == {"stateful-resources-protected": "advisory"}
    assert set(config) <= {p.name for p in ALL_POLICIES}
