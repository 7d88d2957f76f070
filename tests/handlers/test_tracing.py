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
HANDLERS = ROOT / "handlers"
FM_MAIL = ROOT / "products" / "fm_mail"  # the plug-in's package (its archive holds both)
PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
from aws_xray_sdk.core import patcher
print(json.dumps({"patched": sorted(patcher._PATCHED_MODULES),
                  "disabled": bool(module.tracer.disabled)}))
"""


def probe(module: str, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_")}
    environment.update({"PYTHONPATH": os.pathsep.join((str(HANDLERS), str(FM_MAIL))),
                        "AWS_DEFAULT_REGION": "us-east-1",
                        "LAMBDA_TASK_ROOT": "/var/task", **env})  # fmt: skip
    result = subprocess.run([sys.executable, "-c", PROBE, module], env=environment,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("function", "patched"), [
    ("account", ["botocore"]),
    ("billing", ["botocore", "requests"]),  # requests: the Stripe SDK's HTTP client
    ("webhook", ["botocore", "requests"]),
    ("quota_mail", ["botocore"]),
    # The FM Mail plug-in: no AWS or HTTP library; the IMAP call is a subsegment of its own.
    ("fm_mail.handler", []),
])
def test_each_function_patches_what_it_calls(function: str, patched: list[str]) -> None:
    module = function if "." in function else f"apisales.routes.{function}"
    assert probe(module) == {"patched": patched, "disabled": False}


def test_tests_and_local_runs_trace_nothing() -> None:
    assert probe("apisales.routes.billing", POWERTOOLS_TRACE_DISABLED="true") == {
        "patched": [], "disabled": True}
