"""``python -m sandbox.run.sweep``: run the reconciliation sweep now, in the running sandbox.

It does what an operator does on AWS (docs/operations.md, "Running it on demand"): invoke
the deployed sweep function with ``{}`` (or ``{"full": true}``) and print its report. The
sandbox must be running (``bin/sandbox``); the function runs in ministack with its own role.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sandbox.deploy.deploy import DEPLOYED_FILE, DeployedStack

SWEEP = "sweep"


class SweepFailed(RuntimeError):
    """The function raised: its error, as Lambda reported it."""


def invoke_sweep(stack: DeployedStack, full: bool = False) -> dict[str, Any]:
    """Invoke the deployed sweep once and wait for its report."""
    payload = json.dumps({"full": True} if full else {}).encode()
    answer = stack.client("lambda").invoke(
        FunctionName=stack.function_names[SWEEP], InvocationType="RequestResponse",
        Payload=payload,
    )  # fmt: skip
    body = json.loads(answer["Payload"].read() or b"null")
    if answer.get("FunctionError"):
        raise SweepFailed(json.dumps(body))
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.run.sweep", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=Path(".work/sandbox"),
                        help="the running sandbox's work dir (.work/sandbox)")
    parser.add_argument("--full", action="store_true",
                        help="walk every subscription now, not only the recent events")
    args = parser.parse_args(argv)
    saved = args.workdir / DEPLOYED_FILE
    if not saved.exists():
        print(f"no sandbox deploy in {args.workdir} (start bin/sandbox first)", file=sys.stderr)
        return 2
    try:
        report = invoke_sweep(DeployedStack.from_json(saved.read_text()), full=args.full)
    except SweepFailed as error:
        print(f"the sweep failed: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
