"""Tracing as the functions run on Lambda: each patches exactly the libraries it calls, so
AWS calls (DynamoDB, API Gateway, Cognito, Secrets Manager) and Stripe calls get their own
subsegment, and nothing else is imported for tracing. A fresh process per function, with
``LAMBDA_TASK_ROOT`` set as Lambda sets it (without it Powertools turns tracing off)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HANDLERS, FM_MAIL = ROOT / "handlers", ROOT / "products" / "fm_mail"
PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
from aws_xray_sdk.core import patcher
print(json.dumps({"patched": sorted(patcher._PATCHED_MODULES),
                  "disabled": bool(module.tracer.disabled)}))
"""


def probe(module: str, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    environment.update({"PYTHONPATH": os.pathsep.join([str(HANDLERS), str(FM_MAIL)]),
                        "AWS_DEFAULT_REGION": "us-east-1", "LAMBDA_TASK_ROOT": "/var/task",
                        **env})  # fmt: skip
    result = subprocess.run([sys.executable, "-c", PROBE, module], env=environment,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("module", "patched"), [
    ("apisales.routes.account", ["botocore"]),
    ("apisales.routes.billing", ["botocore", "requests"]),  # requests: the Stripe SDK's client
    ("apisales.routes.webhook", ["botocore", "requests"]),
    ("apisales.routes.quota_mail", ["botocore"]),
    ("apisales.routes.sweep", ["botocore", "requests"]),  # Stripe behind its rate limit
    ("fm_mail.handler", []),  # no AWS or HTTP library; the IMAP call is a subsegment of its own
])
def test_each_function_patches_what_it_calls(module: str, patched: list[str]) -> None:
    assert probe(module) == {"patched": patched, "disabled": False}


def test_tests_and_local_runs_trace_nothing() -> None:
    assert probe("apisales.routes.billing", POWERTOOLS_TRACE_DISABLED="true") == {
        "patched": [], "disabled": True}
