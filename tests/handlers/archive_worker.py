"""A function's handler running from its Lambda archive alone, as a warm Lambda would.

One ``python -I -S`` process per function: on ``sys.path`` only the extracted archive and
the runtime's boto3 (sandbox.deploy.lambda_imports), so a dependency module the archive
left out fails the request that needs it, even one imported lazily, by name, or only on
some request path. The process stays up between invocations (module state, clients and
lazy imports carry over, as in a warm container); each invocation is one JSON line in, one
out.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import IO, Any

from infra.functions import all_function_specs
from sandbox.deploy.lambda_imports import handler_module, lambda_code
from tests.infra.harness import shared_archives

_DRIVER = """
import importlib, json, sys, traceback
sys.path[:0] = sys.argv[1].split("\\n")
answer = sys.stdout
sys.stdout = sys.stderr  # EMF metrics and prints are logs, not answers


class Context:
    function_name = "api-sales-archive"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:api-sales-archive"
    aws_request_id = "req"

    def get_remaining_time_in_millis(self):
        return 290_000


handler = importlib.import_module(sys.argv[2]).lambda_handler
answer.write(json.dumps({"modules": sorted(sys.modules)}) + "\\n")  # what init loaded
answer.flush()
for line in sys.stdin:
    try:
        result = {"response": handler(json.loads(line), Context())}
    except BaseException:
        result = {"error": traceback.format_exc()}
    result["modules"] = sorted(sys.modules)
    answer.write(json.dumps(result, default=str) + "\\n")
    answer.flush()
"""


class ArchiveWorker:
    """Invoke ``function``'s handler in its archive-only process."""

    def __init__(self, process: subprocess.Popen[str], logs: IO[str]) -> None:
        self._process = process
        self._logs = logs
        self._lock = threading.Lock()  # one invocation at a time, as in one container
        self.modules: set[str] = set()  # every module the process has loaded so far
        self.init_modules: set[str] = set()  # those loaded by the handler's import (init)

    def loaded(self) -> None:
        """Wait for the handler's import (Lambda's init phase) and note what it loaded."""
        self.init_modules = set(self._answer()["modules"])
        self.modules.update(self.init_modules)

    def invoke(self, event: Mapping[str, Any]) -> dict[str, Any]:
        assert self._process.stdin
        with self._lock:
            self._process.stdin.write(json.dumps(event) + "\n")
            self._process.stdin.flush()
            result = self._answer()
        self.modules.update(result["modules"])
        if "error" in result:
            raise AssertionError(f"the handler raised, from its archive alone:\n{result['error']}")
        response: dict[str, Any] = result["response"]
        return response

    def requests_loaded(self) -> set[str]:
        """The modules the invocations loaded that the init phase had not."""
        return self.modules - self.init_modules

    def _answer(self) -> dict[str, Any]:
        assert self._process.stdout
        line = self._process.stdout.readline()
        if not line:
            raise AssertionError(f"the function's process died: {self._stderr()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def call(self, event: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.invoke(event)
        return response["statusCode"], json.loads(response.get("body") or "{}")

    def _stderr(self) -> str:
        self._process.kill()
        self._process.wait()
        self._logs.seek(0)
        return self._logs.read()[-3000:]


@contextmanager
def archive_workers(
    functions: list[str], environment: Mapping[str, str]
) -> Iterator[dict[str, ArchiveWorker]]:
    """A running :class:`ArchiveWorker` per function, with ``environment`` (and nothing of
    this process's) as its environment variables."""
    specs = all_function_specs()
    with ExitStack() as stack:
        workers: dict[str, ArchiveWorker] = {}
        for function in functions:
            path, flags = stack.enter_context(lambda_code(shared_archives()[function].path))
            env = {**environment, "LAMBDA_TASK_ROOT": str(path[0])}
            logs = stack.enter_context(tempfile.TemporaryFile("w+"))  # never a full pipe
            process = subprocess.Popen(
                [sys.executable, *flags, "-c", _DRIVER, "\n".join(map(str, path)),
                 handler_module(specs[function].handler)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=logs,
                text=True, env=dict(env), cwd=str(path[0]),
            )  # fmt: skip
            stack.callback(_stop, process)
            workers[function] = ArchiveWorker(process, logs)
        for worker in workers.values():  # started together, their imports overlap
            worker.loaded()
        yield workers


def _stop(process: subprocess.Popen[str]) -> None:
    if process.stdin:
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
