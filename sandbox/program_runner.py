"""One way to run the Pulumi program under mocks: ``tests/infra`` (recording mocks) and the
sandbox's deploy (mocks that create each resource in ministack) both go through here.

It loads a stack's config the way ``pulumi`` would (``Pulumi.<stack>.yaml``, full keys,
structured values as JSON, the secret keys marked secret), installs the given
``pulumi.runtime.Mocks``, runs ``infra.stack.build_stack``, waits for every registration and
resolves the stack's exports. Only public SDK names are used: ``set_mocks``,
``set_all_config``, ``wait_for_rpcs``, ``Output.future()`` on this thread's ``asyncio`` loop,
and ``pulumi.runtime.rpc.is_rpc_secret`` / ``unwrap_rpc_secret`` for secret inputs (one
exception after a failed program, see :func:`_forget_kept_rpc_error`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.stack import wait_for_rpcs

if TYPE_CHECKING:
    from infra.packaging import LambdaArchive
    from infra.stack import Stack

PROJECT = "api-sales"
NAMESPACE = "api-sales"
SECRET_KEYS = ("stripeSecretKey",)  # config keys Pulumi keeps secret
PROJECT_ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def stack_config(stack: str = "dev", root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """``Pulumi.<stack>.yaml``'s config, full keys (``api-sales:plans``, ``aws:region``)."""
    return dict(yaml.safe_load((root / f"Pulumi.{stack}.yaml").read_text())["config"])


def config_values(config: Mapping[str, Any]) -> dict[str, str]:
    """What ``pulumi config`` hands the program: strings, structured values as JSON."""
    return {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in config.items()}  # fmt: skip


@dataclass
class ProgramResult:
    stack: Stack  # the components, for outputs the stack does not export
    exports: dict[str, Any]  # the stack's exports, resolved


def run_program(
    mocks: pulumi.runtime.Mocks,
    config: Mapping[str, Any],
    *,
    stack: str,
    archives: Mapping[str, LambdaArchive] | None = None,
    organization: str | None = None,
    before_build: Callable[[], None] | None = None,
) -> ProgramResult:
    """Run ``build_stack`` under ``mocks`` with ``config`` (full keys) as stack ``stack``.

    ``before_build`` runs after the mocks are installed (a stack transformation goes there).
    A program that fails raises its error after its pending registrations settled, so none
    of them reports into the next run of the same process.
    """
    from infra.stack import build_stack  # after set_mocks: the components read settings

    values = config_values(config)
    secrets = [key for key in values if key.split(":", 1)[-1] in SECRET_KEYS]
    pulumi.runtime.set_all_config(values, secrets)
    # A fresh root stack each run: the SDK keeps the last one, with its exports.
    pulumi.runtime.settings.set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=False, organization=organization
    )
    if before_build is not None:
        before_build()
    try:
        built = build_stack(archives=archives)
        wait(wait_for_rpcs())
    except Exception:
        _settle_failed_program()
        raise
    root = pulumi.runtime.settings.get_root_resource()
    return ProgramResult(built, resolve(getattr(root, "outputs", {})))


def wait(awaitable: Awaitable[T]) -> T:
    """Run this thread's event loop (the SDK's) until ``awaitable`` is done."""
    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop.run_until_complete(asyncio.ensure_future(awaitable, loop=loop))


def resolve(value: Any) -> Any:
    """``value`` with every ``pulumi.Output`` in it (nested in dicts and lists) awaited."""
    if isinstance(value, pulumi.Output):
        return resolve(wait(value.future()))
    if isinstance(value, dict):
        return {key: resolve(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item) for item in value]
    return value


def is_secret(value: Any) -> bool:
    """Whether a mock's input arrived as a Pulumi secret (kept secret in the state)."""
    return rpc.is_rpc_secret(value)


def reveal(value: Any) -> Any:
    """The plain value of an input, secret or not (nested secrets too)."""
    value = rpc.unwrap_rpc_secret(value)
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def _settle_failed_program() -> None:
    """Let the rest of a failed program finish failing (its error was raised once), so none
    of its pending registrations reports into the next run of this process."""
    for _ in range(1000):
        _forget_kept_rpc_error()
        try:
            wait(wait_for_rpcs())
            return
        except Exception:  # noqa: S112 - each failure is the failed program's
            continue


def _forget_kept_rpc_error() -> None:
    """Clear the first RPC error the SDK keeps for ``wait_for_rpcs`` to raise again.

    The one private Pulumi SDK name used (``_get_rpc_manager``), and only after a program
    failed. pulumi 3.272.0 keeps that error on its RPC manager (``runtime/rpc_manager.py``)
    and ``wait_for_rpcs`` re-raises it on every call (``runtime/stack.py``), so a failed
    program's remaining registrations could never be waited out. No public call clears it:
    ``set_mocks`` starts a new manager (the pending registrations stay on the old one) and
    ``pulumi.runtime.test`` clears the manager before its test, dropping them unawaited.
    ``tests/infra/test_program_runner.py`` fails if the SDK changes either behaviour.
    """
    pulumi.runtime.settings._get_rpc_manager().unhandled_exception = None
