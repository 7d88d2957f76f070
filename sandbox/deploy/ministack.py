"""Start and stop a ministack process bound to 127.0.0.1, its files inside a work dir.

ministack runs Python Lambdas in a subprocess of its own interpreter (this venv's), so the
handler dependencies must import there: they come from the Lambda zip (put first on
``sys.path`` by ministack's worker) and boto3 from the venv, as on AWS.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "000000000000"  # ministack's default account (MINISTACK_ACCOUNT_ID)
START_TIMEOUT_S = 30.0


class MinistackError(RuntimeError):
    pass


class PortInUseError(MinistackError):
    def __init__(self, port: int) -> None:
        super().__init__(
            f"port {port} on {HOST} is already in use: stop whatever listens there "
            f"(`ss -ltnp 'sport = :{port}'` shows it) or choose another port"
        )
        self.port = port


@dataclass
class Ministack:
    """A running ministack; ``stop()`` ends its whole process group (Lambda workers too)."""

    port: int
    workdir: Path
    region: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _log_file: IO[bytes] | None = field(repr=False, default=None)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        """Wipe every resource (``POST /_ministack/reset``)."""
        reset_ministack(self.endpoint_url)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # Lambda workers live in the same group and may outlive the server by a moment.
        _signal_group(self.process.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Ministack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def reset_ministack(endpoint_url: str) -> None:
    """Wipe every resource of the ministack at ``endpoint_url`` (``POST /_ministack/reset``)."""
    request = urllib.request.Request(endpoint_url.rstrip("/") + "/_ministack/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def ensure_port_free(port: int) -> None:
    with socket.socket() as s:
        # Without SO_REUSEADDR, connections of a run that just stopped (TIME_WAIT) would
        # make a free port look taken for a minute; a live listener still refuses the bind.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(port) from None
            raise


def start_ministack(
    workdir: Path,
    port: int | None = None,
    region: str = DEFAULT_REGION,
    persist: bool = False,
    enforce_iam: bool = False,
    extra_env: dict[str, str] | None = None,
) -> Ministack:
    """Start ministack on ``port`` (a free one if None) and wait until it answers.

    ``persist`` keeps state in ``<workdir>/state`` across restarts (needed to resume a
    deployment after the process stopped). ``enforce_iam`` (ministack's ``AUTH=true``) runs
    each Lambda with its execution role's credentials and checks its calls against the
    role's policies, as AWS would; the deployer signs as the account root. ``extra_env``
    reaches ministack and the Lambda workers it starts.
    """
    port = port or free_port()
    ensure_port_free(port)
    workdir = Path(workdir).resolve()
    state_dir, tmp_dir = workdir / "state", workdir / "tmp"
    state_dir.mkdir(parents=True, exist_ok=True)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BIND_HOST": HOST,
        "GATEWAY_PORT": str(port),
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        "STATE_DIR": str(state_dir),
        "S3_DATA_DIR": str(state_dir / "s3"),
        "TMPDIR": str(tmp_dir),
        "MINISTACK_REGION": region,
        "PERSIST_STATE": "1" if persist else "0",
        # S3 keeps object bodies only with its own switch (the console's files live there).
        "S3_PERSIST": "1" if persist else "0",
        "AUTH": "true" if enforce_iam else "false",
        # Lambda workers inherit this environment; handlers must not reach real AWS.
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        **(extra_env or {}),
    }
    for leaked in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(leaked, None)
    log_path = workdir / "ministack.log"
    log_file = open(log_path, "ab")  # noqa: SIM115 - closed by Ministack.stop()
    binary = Path(sys.executable).parent / "ministack"
    command = [str(binary)] if binary.exists() else [sys.executable, "-m", "ministack"]
    process = subprocess.Popen(
        command, env=env, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() reaches Lambda workers
    )  # fmt: skip
    stack = Ministack(port, workdir, region, process, log_path, log_file)
    try:
        _wait_healthy(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def _wait_healthy(stack: Ministack) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    url = stack.endpoint_url + "/_ministack/health"
    while True:
        if stack.process.poll() is not None:
            raise MinistackError(
                f"ministack exited with {stack.process.returncode}; see {stack.log_path}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise MinistackError(
                f"ministack not healthy after {START_TIMEOUT_S}s; see {stack.log_path}"
            )
        time.sleep(0.05)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    # The group id is the leader's pid (start_new_session); it may be gone already.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
