"""Each function's archive works on its own, as on Lambda: the handler imports with only the
archive and the runtime's boto3 on ``sys.path``, and its import (Lambda's init phase) makes
the boto3 clients the function's role allows, from one session, and loads every adapter the
archive carries (stripe with them where the function calls Stripe)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra.functions import all_function_specs
from infra.packaging import HANDLERS_DIR, build_function_archive
from infra.quota_mail import CONCERN as QUOTA_MAIL
from infra.quota_mail import HANDLER as QUOTA_MAIL_HANDLER
from sandbox.deploy.lambda_imports import (
    LambdaImportError,
    check_function_archives,
    handler_module,
    lambda_code,
)
from tests.infra.harness import code_services, shared_archives

SPECS = all_function_specs()

LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",  # Lambda sets both; boto3 reads the second
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "example",
    "AWS_SESSION_TOKEN": "example",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "LAMBDA_TASK_ROOT": "/var/task",  # Lambda sets it; apisales/init_phase.py reads it
}
CORE_FUNCTIONS = sorted(f for f, spec in SPECS.items() if spec.handler.startswith("apisales."))

# Counts the sessions boto3 makes, then reports what the handler's import left behind.
_INIT_PROBE = """
import sys, json, gc
sys.path[:0] = sys.argv[1].split("\\n")
import boto3.session
sessions = []
original = boto3.session.Session.__init__
def counting(self, *args, **kwargs):
    sessions.append(1)
    original(self, *args, **kwargs)
boto3.session.Session.__init__ = counting
import importlib
importlib.import_module(sys.argv[2])
aws = sys.modules.get("apisales.adapters.aws")
print(json.dumps({
    "clients": aws.created_clients() if aws else [],
    "adapters": sorted(m for m in sys.modules if m.startswith("apisales.adapters.")),
    "stripe": "stripe" in sys.modules,
    "sessions": len(sessions),
    "collector_on": gc.isenabled(),
    "frozen": gc.get_freeze_count(),
}))
"""


def archive_of(function: str) -> Path:
    if function == QUOTA_MAIL:  # built by the stack when the quota mail is configured
        return build_function_archive(QUOTA_MAIL, QUOTA_MAIL_HANDLER).path
    return shared_archives()[function].path


def init_phase(function: str, env: dict[str, str] = LAMBDA_ENV) -> dict:
    """What importing ``function``'s handler from its archive alone did."""
    handler = QUOTA_MAIL_HANDLER if function == QUOTA_MAIL else SPECS[function].handler
    with lambda_code(archive_of(function)) as (path, flags):
        result = subprocess.run(
            [sys.executable, *flags, "-c", _INIT_PROBE, "\n".join(map(str, path)),
             handler_module(handler)],
            env=env, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


_IMPORT_EACH = """
import importlib, json, sys
sys.path[:0] = sys.argv[1].split("\\n")
failures = {}
for name in sys.argv[2:]:
    try:
        importlib.import_module(name)
    except Exception as error:
        failures[name] = repr(error)
print(json.dumps(failures))
"""


@pytest.mark.parametrize("function", sorted([*SPECS, QUOTA_MAIL]))
def test_every_project_module_an_archive_ships_imports_from_it_alone(function):
    archive = archive_of(function)
    with zipfile.ZipFile(archive) as zipped:
        modules = sorted(
            n[:-3].replace("/", ".").removesuffix(".__init__") for n in zipped.namelist()
            if n.endswith(".py") and n.split("/")[0] in {"apisales", "fm_mail"}
        )  # fmt: skip
    with lambda_code(archive) as (path, flags):
        result = subprocess.run(
            [sys.executable, *flags, "-c", _IMPORT_EACH, "\n".join(map(str, path)), *modules],
            env=LAMBDA_ENV, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # No exception: each function's composition root reaches only the adapters it builds, so
    # no archive carries a module it cannot import (a Stripe adapter without stripe).
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def test_every_handler_imports_from_its_archive_alone():
    check_function_archives({f: a.path for f, a in shared_archives().items()})


@pytest.mark.parametrize("function", sorted(SPECS))
def test_init_makes_the_clients_the_role_allows_from_one_session(dev_run, function):
    allowed = code_services(dev_run)[SPECS[function].handler]
    init = init_phase(function)
    assert init["clients"] == allowed
    assert init["sessions"] == (1 if allowed else 0)


@pytest.mark.parametrize("function", [*CORE_FUNCTIONS, QUOTA_MAIL])
def test_init_loads_every_adapter_the_archive_carries(function):
    """The roots' builders import their adapters on first use; each function root's
    ``initialise()`` loads them at the handler's import, so no request pays for one."""
    with zipfile.ZipFile(archive_of(function)) as zipped:
        names = zipped.namelist()
    carried = sorted(n[:-3].replace("/", ".") for n in names
                     if n.startswith("apisales/adapters/") and n.endswith(".py")
                     and not n.endswith("__init__.py"))  # fmt: skip
    init = init_phase(function)
    assert init["adapters"] == carried
    assert init["stripe"] == any(n.startswith("stripe/") for n in names)


def test_a_dependency_missing_from_a_functions_archive_is_caught(tmp_path):
    """Without stripe in its requirements, billing's archive must fail the check (the
    venv has stripe, so only the Lambda runtime's view catches it)."""
    handlers = tmp_path / "handlers"
    shutil.copytree(HANDLERS_DIR, handlers, ignore=shutil.ignore_patterns("__pycache__"))
    (handlers / "requirements" / "billing.txt").write_text("")
    archive = build_function_archive("billing", SPECS["billing"].handler, handlers)
    with pytest.raises(LambdaImportError, match="stripe"):
        check_function_archives({"billing": archive.path})
    check_function_archives({"billing": archive.path}, lambda_like=False)  # masked there


@pytest.mark.parametrize("function", CORE_FUNCTIONS)
def test_init_leaves_the_collector_on_with_what_it_loaded_frozen(function):
    """The collector pauses while the handler loads (apisales/init_phase.py): afterwards it
    runs again, and what the init phase made is kept out of the requests' collections."""
    init = init_phase(function)
    assert init["collector_on"]
    assert init["frozen"] > 10_000  # modules, functions, service models: not a handful


def test_outside_lambda_importing_a_handler_leaves_the_collector_alone():
    outside = {k: v for k, v in LAMBDA_ENV.items() if k != "LAMBDA_TASK_ROOT"}
    init = init_phase("account", env=outside)
    assert init["collector_on"]
    assert init["frozen"] == 0
