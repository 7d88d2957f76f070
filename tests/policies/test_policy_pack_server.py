"""The pack served the way the Pulumi CLI serves it, spoken to over the analyzer gRPC protocol.

The CLI's Python analyzer runs ``python -m pulumi.policy <engine> <pack dir>``; the pack prints
its port and answers GetAnalyzerInfo / Configure / Analyze. This checks what unit tests of the
rules cannot: that ``__main__.py`` imports ``rules`` from the pack directory, that every policy
is mandatory by default, that a policy config can lower one to advisory, and that unknown
preview values are reported as advisory notes rather than failures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE

from policies.rules import ALL_POLICIES, DYNAMODB_TABLE, USER_POOL_CLIENT

PACK = Path(__file__).resolve().parents[2] / "policies"


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(PACK)],
        cwd=tmp_path_factory.mktemp("pack-cwd"),  # the pack must not rely on the repo's cwd
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_line: list[str] = []
    reader = threading.Thread(target=lambda: first_line.append(process.stdout.readline()))
    reader.start()
    reader.join(timeout=30)
    try:
        port = int(first_line[0]) if first_line and first_line[0].strip() else None
        if port is None:
            process.kill()
            pytest.fail(f"the pack did not start: {process.communicate()[1][-2000:]}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=10)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.terminate()  # only the process this fixture started
        process.wait(timeout=10)


def _analyze(
    stub: Any, type_: str, name: str, props: dict[str, Any], protect: bool = False
) -> list[Any]:
    properties = struct_pb2.Struct()
    properties.update(props)
    request = analyzer_pb2.AnalyzeRequest(
        type=type_,
        name=name,
        urn=f"urn:pulumi:dev::api-sales::{type_}::{name}",
        properties=properties,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=protect),
    )
    return list(stub.Analyze(request).diagnostics)


def test_pack_serves_every_policy_as_mandatory(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "api-sales-policies"
    assert [p.name for p in info.policies] == [p.name for p in ALL_POLICIES]
    assert {p.enforcementLevel for p in info.policies} == {analyzer_pb2.MANDATORY}


def test_a_violation_is_mandatory_and_names_the_fix(analyzer: Any) -> None:
    props = {"userPoolId": "pool", "writeAttributes": ["email", "custom:plan_type"]}
    [diagnostic] = _analyze(analyzer, USER_POOL_CLIENT, "web", props)
    assert diagnostic.policyName == "cognito-client-no-custom-write"
    assert diagnostic.enforcementLevel == analyzer_pb2.MANDATORY
    assert "Remove every custom: attribute from write_attributes" in diagnostic.message


def test_unknown_preview_values_give_an_advisory_note_not_a_failure(analyzer: Any) -> None:
    props = {"userPoolId": "pool", "writeAttributes": UNKNOWN_ARRAY_VALUE}
    [diagnostic] = _analyze(analyzer, USER_POOL_CLIENT, "web", props)
    assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
    assert "can't be known during preview" in diagnostic.message


def test_policy_config_can_make_protection_advisory(analyzer: Any) -> None:
    # What `--policy-pack-config` with {"stateful-resources-protected": "advisory"} sends.
    table = {
        "pointInTimeRecovery": {"enabled": True},
        "serverSideEncryption": {"enabled": True},
        "deletionProtectionEnabled": False,
    }
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    request.policyConfig["stateful-resources-protected"].enforcementLevel = analyzer_pb2.ADVISORY
    analyzer.Configure(request)
    try:
        diagnostics = _analyze(analyzer, DYNAMODB_TABLE, "users", table, protect=False)
        assert len(diagnostics) == 2
        assert {d.policyName for d in diagnostics} == {"stateful-resources-protected"}
        assert {d.enforcementLevel for d in diagnostics} == {analyzer_pb2.ADVISORY}
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())
    [*_, last] = _analyze(analyzer, DYNAMODB_TABLE, "users", table, protect=False)
    assert last.enforcementLevel == analyzer_pb2.MANDATORY
