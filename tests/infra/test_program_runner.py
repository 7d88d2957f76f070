"""The one private Pulumi SDK name the program runner uses (``sandbox/program_runner.py``,
``_forget_kept_rpc_error``): what it relies on, so an SDK upgrade that changes it fails
here, and what it buys: a failed program leaves nothing to the next run of the process."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.runtime.stack import wait_for_rpcs

from sandbox import program_runner
from tests.infra.harness import RecordingMocks, run_program, stack_config

TABLE = "aws:dynamodb/table:Table"


class _Refusing(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        raise RuntimeError(f"refused {args.name}")

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def test_the_sdk_keeps_a_failed_registration_error_until_it_is_forgotten() -> None:
    pulumi.runtime.set_mocks(_Refusing(), project="p", stack="s", preview=False)
    pulumi.CustomResource("test:index:Thing", "thing")
    try:
        with pytest.raises(Exception, match="refused thing"):
            program_runner.wait(wait_for_rpcs())
        # The registration is done, yet the SDK raises the same error again: without the
        # private clear a failed program could never be waited out. If this stops raising,
        # the SDK clears it itself and _forget_kept_rpc_error can go.
        with pytest.raises(Exception, match="refused thing"):
            program_runner.wait(wait_for_rpcs())
    finally:
        # Clear, wait, repeat until the resource's own outputs have failed too. A renamed
        # SDK name fails here; a clear that no longer works fails the wait below.
        program_runner._settle_failed_program()
    assert program_runner.wait(wait_for_rpcs()) is None


class _RefusingTables(RecordingMocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == TABLE:
            raise RuntimeError(f"refused {args.name}")
        return super().new_resource(args)


def test_a_failed_program_leaves_nothing_to_the_next_run() -> None:
    config = {**stack_config(), "api-sales:stripeSecretKey": "sk_test_51Example00000000000"}
    with pytest.raises(Exception, match="refused data-"):
        program_runner.run_program(_RefusingTables(), config, stack="dev")
    after = run_program()  # the same process, fresh mocks
    tables = {r.name for r in after.of_type(TABLE)}
    assert tables and all(r.inputs for r in after.of_type(TABLE))
    names = [(r.type, r.name) for r in after]
    assert len(names) == len(set(names)), "a registration of the failed run reported here"
    assert after.exports["consoleUrl"]
