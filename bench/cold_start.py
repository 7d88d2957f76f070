"""Cold start of each Lambda function against its floor, and the size of its archive.

Usage: .venv/bin/python bench/cold_start.py [--runs N]

For every function (the optional quota-mail function included), in fresh processes and in
the same run (alternating):

(a) the function: import of its handler module plus creation, through the handler's own
    ``apisales.adapters.aws.client``, of every client its IAM policy allows;
(b) the floor: a process that only imports the libraries the function needs (boto3, the
    Powertools pieces it uses, stripe where used, imapclient for the product) and creates
    the same clients from one ``boto3.session.Session()``;
(b´) the same floor with the cyclic collector paused while it loads, as the handler modules
    pause it (``apisales/init_phase.py``): printed so that what that pause gains is not
    mistaken for lighter code.

Both run like Lambda: ``python -I -S`` with only the function's extracted archive and the
runtime-provided boto3 (linked from this venv) on ``sys.path``, with the environment Lambda
sets (region, credentials). The clients are those of the function's role policy as the
program declares it (run under mocks), less ``logs`` and ``xray``: Lambda itself uses those
for log delivery and traces, the function's code never calls them. One warm-up run each
first, so both read cached bytecode (``--no-bytecode`` compiles every module every time,
as Lambda does for archive code, which ships no ``.pyc``).
Prints the medians, the ratio a/b next to the 1.15 target, a/b´, and the archive sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.functions import FunctionSpec, all_function_specs  # noqa: E402
from infra.packaging import LambdaArchive, build_function_archives  # noqa: E402
from infra.quota_mail import CONCERN as QUOTA_MAIL  # noqa: E402
from infra.quota_mail import HANDLER as QUOTA_MAIL_HANDLER  # noqa: E402
from sandbox.deploy.lambda_imports import handler_module, lambda_code  # noqa: E402

TARGET = 1.15

_POWERTOOLS_HTTP = (
    "from aws_lambda_powertools import Logger",
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver",
)
# Tracing as the functions do it: the X-Ray SDK, patching only what the function calls.
_TRACE_AWS = ("from aws_lambda_powertools import Tracer", "Tracer(patch_modules=['botocore'])")
_TRACE_AWS_HTTP = (
    "from aws_lambda_powertools import Tracer", "Tracer(patch_modules=['botocore', 'requests'])",
)
_TRACE_NONE = ("from aws_lambda_powertools import Tracer", "Tracer(auto_patch=False)")
# The floor: the libraries each function needs, nothing of this project.
FLOOR_IMPORTS: dict[str, tuple[str, ...]] = {
    "account": ("import boto3", *_POWERTOOLS_HTTP, *_TRACE_AWS),
    "billing": (
        "import boto3", *_POWERTOOLS_HTTP,
        "from aws_lambda_powertools.utilities.parameters import SecretsProvider", "import stripe",
        *_TRACE_AWS_HTTP,
    ),
    "webhook": (
        "import boto3", *_POWERTOOLS_HTTP,
        "from aws_lambda_powertools.utilities.parameters import SecretsProvider", "import stripe",
        *_TRACE_AWS_HTTP,
    ),
    "product": (*_POWERTOOLS_HTTP, "import imapclient", *_TRACE_NONE),
    "sweep": (
        "import boto3", "from aws_lambda_powertools import Logger, Metrics",
        "from aws_lambda_powertools.utilities.parameters import SecretsProvider", "import stripe",
        *_TRACE_AWS_HTTP,
    ),
    "quota-mail": ("import boto3", "from aws_lambda_powertools import Logger", *_TRACE_AWS),
}  # fmt: skip
# The optional quota-mail function (api-sales:quotaMail) exists only with this config.
QUOTA_MAIL_CONFIG = {"quotaMail": {
    "from": "quota@seller.example",
    "sourceArn": "arn:aws:ses:ap-northeast-1:123456789012:identity/seller.example",
}}  # fmt: skip
# The handler modules pause the cyclic collector while they load (apisales/init_phase.py).
# (b') is the floor with the same pause, printed so the gain is not mistaken for less code.
_PAUSE = "import gc\ngc.disable()\n"
_RESUME = "gc.freeze()\ngc.enable()\n"

LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "example",
    "AWS_SESSION_TOKEN": "example",
    "POWERTOOLS_SERVICE_NAME": "bench",
    # Set by Lambda; without it Powertools turns tracing off and patches nothing.
    "LAMBDA_TASK_ROOT": "/var/task",
    "LANG": "en_US.UTF-8",
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
}


@dataclass
class Subject:
    function: str
    archive: LambdaArchive
    services: list[str]
    sys_path: list[Path]
    flags: list[str]


def allowed_services() -> dict[str, list[str]]:
    """Function -> the services its role policy lets its code call, from the program."""
    from tests.infra.harness import code_services, run_program

    by_handler = code_services(run_program(QUOTA_MAIL_CONFIG))
    return {concern: by_handler[spec.handler] for concern, spec in function_specs().items()}


def function_specs() -> dict[str, FunctionSpec]:
    """Every function the bench measures: the core's, the products', and quota-mail."""
    return {**all_function_specs(), QUOTA_MAIL: FunctionSpec(QUOTA_MAIL, QUOTA_MAIL_HANDLER, "")}


def handler_code(subject: Subject) -> str:
    module = handler_module(function_specs()[subject.function].handler)
    clients = (
        "from apisales.adapters import aws\n"
        f"for service in {subject.services!r}:\n    aws.client(service)\n"
        if subject.services
        else ""
    )
    return (
        f"import time\nstarted = time.perf_counter()\nimport {module}\n{clients}"
        "print(time.perf_counter() - started)\n"
    )


def floor_code(subject: Subject, paused: bool = False) -> str:
    imports = "\n".join(FLOOR_IMPORTS[subject.function])
    clients = (
        "import boto3\nsession = boto3.session.Session()\n"
        f"for service in {subject.services!r}:\n    session.client(service)\n"
        if subject.services
        else ""
    )
    return (
        f"import time\nstarted = time.perf_counter()\n{_PAUSE if paused else ''}{imports}\n"
        f"{clients}{_RESUME if paused else ''}print(time.perf_counter() - started)\n"
    )


def timed(subject: Subject, code: str, bytecode: bool) -> float:
    prelude = f"import sys\nsys.path[:0] = {[str(p) for p in subject.sys_path]!r}\n"
    result = subprocess.run(
        [sys.executable, *subject.flags, *([] if bytecode else ["-B"]), "-c", prelude + code],
        env=LAMBDA_ENV, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"{subject.function}: {result.stderr.strip()[-1500:]}")
    return float(result.stdout.strip().splitlines()[-1])


def unzipped_size(archive: LambdaArchive) -> int:
    with zipfile.ZipFile(archive.path) as zipped:
        return sum(info.file_size for info in zipped.infolist())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-bytecode", action="store_true",
                        help="compile every module every run (Lambda's case for archive code)")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: at least 5")
    bytecode = not args.no_bytecode

    archives = build_function_archives(
        {concern: spec.archive_source for concern, spec in function_specs().items()})
    services = allowed_services()
    with ExitStack() as stack:
        subjects = []
        for function, archive in archives.items():
            sys_path, flags = stack.enter_context(lambda_code(archive.path))
            subjects.append(Subject(function, archive, services[function], sys_path, flags))
        rows = []
        for subject in subjects:
            codes = (handler_code(subject), floor_code(subject), floor_code(subject, True))
            if bytecode:  # warm-up: write the bytecode caches all then read
                for code in codes:
                    timed(subject, code, bytecode)
            runs: tuple[list[float], ...] = ([], [], [])
            for _ in range(args.runs):  # alternate, so drift in machine load hits all
                for code, times in zip(codes, runs, strict=True):
                    times.append(timed(subject, code, bytecode))
            a, b, b_paused = (statistics.median(times) for times in runs)
            rows.append((subject, a, b, b_paused))

    version = sys.version.split()[0]
    cache = "cached bytecode" if bytecode else "no bytecode cache"
    print(f"cold start per function, fresh process, median of {args.runs} "
          f"(python {version}, {cache})")
    print(f"{'function':10s} {'(a) s':>7s} {'(b) s':>7s} {'a/b':>6s} {'target':>7s}  "
          f"{'(b´) s':>7s} {'a/b´':>5s}  {'zipped':>10s} {'unzipped':>10s}  clients")
    for subject, a, b, b_paused in rows:
        verdict = "ok" if a <= TARGET * b else "OVER"
        zipped, unzipped = subject.archive.size / 2**20, unzipped_size(subject.archive) / 2**20
        print(f"{subject.function:10s} {a:7.3f} {b:7.3f} {a / b:6.2f} {TARGET:5.2f} {verdict:4s}"
              f"  {b_paused:7.3f} {a / b_paused:5.2f}"
              f"{zipped:9.2f} MiB {unzipped:6.2f} MiB  {', '.join(subject.services) or '-'}")
    print("(b´): the floor with the collector paused while it loads, as the handler modules do "
          "(apisales/init_phase.py)")


if __name__ == "__main__":
    main()
