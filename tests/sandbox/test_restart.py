"""Running the sandbox again: resume a persisted deploy after a restart, or start fresh."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.deploy.config import sandbox_config
from sandbox.deploy.deploy import deploy_or_resume, resume_stack
from sandbox.deploy.ministack import start_ministack
from sandbox.stripe_double import StripeDouble
from tests.sandbox.api_client import call

pytestmark = pytest.mark.slow


@pytest.fixture
def stripe_double() -> Iterator[StripeDouble]:
    with StripeDouble(port=0) as double:
        yield double


def _config(double: StripeDouble) -> dict:
    return sandbox_config("http://localhost:8765", stripe_api_base=double.url,
                          stripe_secret_key=double.api_key)  # fmt: skip


def test_resume_after_restart_on_another_port_then_fresh(
    tmp_path: Path, stripe_double: StripeDouble
) -> None:
    config = _config(stripe_double)
    region = config["aws:region"]
    with start_ministack(tmp_path, region=region, persist=True) as first:
        deployed = deploy_or_resume(first.endpoint_url, config, tmp_path, mode="fresh")

    with start_ministack(tmp_path, region=region, persist=True) as second:
        resumed = resume_stack(second.endpoint_url, tmp_path)
        assert resumed.rest_api_id == deployed.rest_api_id
        assert resumed.api_url.startswith(second.endpoint_url + "/restapis/")
        assert call("GET", resumed.api_url + "/account").status == 401
        assert call("POST", resumed.webhook_url, {"id": "evt_x"},
                    headers={"Stripe-Signature": "t=1,v1=00"}).status == 400  # fmt: skip

        fresh = deploy_or_resume(second.endpoint_url, config, tmp_path, mode="fresh")
        assert fresh.rest_api_id != deployed.rest_api_id
        assert call("GET", deployed.api_url.replace(first.endpoint_url, second.endpoint_url)
                    + "/account").status == 404  # fmt: skip
        assert call("GET", fresh.api_url + "/account").status == 401


# A failed deploy leaves the rest of its Pulumi program pending on the SDK's event loop; a
# later deploy in the same process would run it against a stopped ministack. `bin/sandbox`
# exits on a failed deploy, so the test fails one in a process of its own, the same way.
_REFUSING_DEPLOY = """
import sys
from pathlib import Path
from sandbox.deploy import mocks
from sandbox.deploy.config import sandbox_config
from sandbox.deploy.deploy import DeployError, deploy_stack
from sandbox.stripe_double import StripeDouble

def refuse(ctx, name, inputs):
    raise RuntimeError(f"refused {name}")

mocks.CREATORS["aws:dynamodb/table:Table"] = refuse
double = StripeDouble(port=0).start()
config = sandbox_config("http://localhost:8765", stripe_api_base=double.url,
                        stripe_secret_key=double.api_key)
try:
    deploy_stack(sys.argv[1], config, Path(sys.argv[2]))
except DeployError as error:
    print(error)
    sys.exit(3)
"""


def test_a_resource_ministack_refuses_fails_the_deploy_by_name(tmp_path: Path) -> None:
    region = sandbox_config("http://localhost:8765")["aws:region"]
    with start_ministack(tmp_path / "ministack", region=region) as ministack:
        result = subprocess.run(
            [sys.executable, "-c", _REFUSING_DEPLOY, ministack.endpoint_url, str(tmp_path)],
            capture_output=True, text=True, timeout=300, check=False,
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
    assert result.returncode == 3, result.stderr[-2000:]
    assert "aws:dynamodb/table:Table 'data-users'" in result.stdout
    assert not (tmp_path / "deployed.json").exists()
