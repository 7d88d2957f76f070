"""Run the real program (``infra.stack.build_stack``) under :class:`DeployingMocks`.

Two ways to (re)start: ``fresh`` resets ministack and deploys everything again;
``resume`` reuses ``<workdir>/deployed.json`` from an earlier deploy into a ministack that
kept its state (``start_ministack(persist=True)``), after checking the API still exists.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import boto3

from sandbox import program_runner
from sandbox.deploy.config import SANDBOX_NAMESPACE, ministack_endpoints
from sandbox.deploy.context import DeployContext
from sandbox.deploy.ministack import reset_ministack
from sandbox.deploy.mocks import DeployingMocks, SkippedResource

if TYPE_CHECKING:
    from collections.abc import Mapping

    from infra.packaging import LambdaArchive

DEPLOYED_FILE = "deployed.json"
DEFAULT_REGION = "us-east-1"


class DeployError(RuntimeError):
    pass


@dataclass
class DeployedStack:
    """What the sandbox needs to know about the deployed stack (JSON-serialisable)."""

    endpoint_url: str
    region: str
    account_id: str
    api_url: str
    webhook_url: str
    rest_api_id: str
    stage_name: str
    user_pool_id: str
    web_client_id: str
    hosted_ui_domain: str  # the stack output: an amazoncognito.com name, unreachable offline
    hosted_ui_url: str  # where ministack serves the hosted UI (/oauth2/authorize, /login, ...)
    usage_plan_ids: dict[str, str]
    function_names: dict[str, str]
    table_names: dict[str, str]
    secret_arns: dict[str, str]
    # The console as the program deployed it: its bucket, and the distribution ministack
    # serves it through (by Host header; docs/sandbox.md). Empty in a deploy saved before.
    console_bucket: str = ""
    console_distribution_id: str = ""
    console_distribution_domain: str = ""  # <id>.cloudfront.net
    # The Stripe objects the program created in the Stripe double.
    stripe_portal_configuration_id: str = ""
    stripe_webhook_endpoint_id: str = ""
    # What infra/monitoring.py created: the alarm topic, the alarms' names, the dashboard.
    alarm_topic_arn: str = ""
    alarm_names: list[str] = field(default_factory=list)
    dashboard_name: str = ""
    sweep_schedule_name: str = ""  # EventBridge Scheduler's schedule of the sweep function
    created: dict[str, int] = field(default_factory=dict)  # type -> count
    skipped: list[SkippedResource] = field(default_factory=list)

    def skipped_lines(self) -> list[str]:
        """What the sandbox prints at start-up: every resource not created, and why."""
        if not self.skipped:
            return [f"all {sum(self.created.values())} resources of the stack were created"]
        return [f"skipped {s.type} {s.name!r}: {s.reason}" for s in self.skipped]

    def client(self, service: str) -> Any:
        """A boto3 client on the stack's ministack, signed as the account root."""
        return boto3.client(
            service, endpoint_url=self.endpoint_url, region_name=self.region,
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeployedStack:
        raw = json.loads(text)
        raw["skipped"] = [SkippedResource(**s) for s in raw.get("skipped", [])]
        return cls(**raw)


def deploy_stack(
    endpoint_url: str,
    config: dict[str, Any],
    workdir: Path,
    archives: Mapping[str, LambdaArchive] | None = None,
) -> DeployedStack:
    """Deploy the program into the (empty) ministack at ``endpoint_url``, and its Stripe side
    into the Stripe double at ``api-sales-sandbox:stripeApiBase``. ``aws:endpoints`` is set
    to ``endpoint_url`` for every service, which is where the mocks create each resource.

    ``config`` uses full keys (``api-sales:plans``, ``aws:region``); structured values are
    passed as JSON, as ``pulumi config`` would. Writes ``<workdir>/deployed.json``.
    """
    region = str(config.get("aws:region") or DEFAULT_REGION)
    context = DeployContext(
        endpoint_url, region, stripe_api_base=config.get(f"{SANDBOX_NAMESPACE}:stripeApiBase")
    )
    config = {**config, "aws:endpoints": ministack_endpoints(endpoint_url)}
    mocks = DeployingMocks(context)
    try:
        # archives None: one archive per function, built
        result = program_runner.run_program(mocks, config, stack="sandbox", archives=archives)
    except Exception as error:
        raise DeployError(_failure_message(mocks, error)) from error
    if mocks.failed:
        raise DeployError(_failure_message(mocks, None))
    stack, exports = result.stack, result.exports
    deployed = DeployedStack(
        endpoint_url=context.endpoint_url,
        region=region,
        account_id=context.account_id,
        api_url=exports["apiUrl"],
        webhook_url=exports["webhookUrl"],
        rest_api_id=_resolve(stack.api.rest_api.id),
        stage_name=_resolve(stack.api.stage.stage_name),
        user_pool_id=exports["userPoolId"],
        web_client_id=exports["webClientId"],
        hosted_ui_domain=exports["hostedUiDomain"],
        hosted_ui_url=context.endpoint_url,
        usage_plan_ids=exports["usagePlanIds"],
        function_names={k: _resolve(f.name) for k, f in stack.functions.functions.items()},
        table_names={k: _resolve(t.name) for k, t in stack.data.tables.items()},
        console_bucket=exports["consoleBucket"],
        console_distribution_id=exports["consoleDistributionId"],
        console_distribution_domain=_resolve(stack.console.distribution.domain_name),
        secret_arns={
            "stripeSecretKey": _resolve(stack.secrets.api_key_arn),
            "stripeWebhookSecret": _resolve(stack.secrets.webhook_secret_arn),
        },
        stripe_portal_configuration_id=exports["stripePortalConfigurationId"],
        stripe_webhook_endpoint_id=exports["stripeWebhookEndpointId"],
        alarm_topic_arn=exports["alarmTopicArn"],
        alarm_names=sorted(_resolve(a.name) for a in stack.monitoring.alarms.values()),
        dashboard_name=exports["dashboardName"],
        sweep_schedule_name=exports["sweepScheduleName"],
        created=dict(sorted(Counter(r.type for r in mocks.created).items())),
        skipped=list(mocks.skipped),
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / DEPLOYED_FILE).write_text(deployed.to_json())
    return deployed


def deploy_or_resume(
    endpoint_url: str,
    config: dict[str, Any],
    workdir: Path,
    mode: Literal["fresh", "resume"] = "fresh",
    archives: Mapping[str, LambdaArchive] | None = None,
) -> DeployedStack:
    """``fresh``: reset ministack, deploy. ``resume``: reuse deployed.json if still live."""
    if mode == "resume":
        return resume_stack(endpoint_url, workdir)
    reset_ministack(endpoint_url)
    return deploy_stack(endpoint_url, config, workdir, archives)


def resume_stack(endpoint_url: str, workdir: Path) -> DeployedStack:
    """The stack saved in ``<workdir>/deployed.json``, re-pointed at ``endpoint_url``.

    Raises :class:`DeployError` when there is no saved deploy or ministack no longer holds
    it (for instance it was started without ``persist``): deploy fresh instead.
    """
    path = Path(workdir) / DEPLOYED_FILE
    if not path.exists():
        raise DeployError(f"nothing to resume: {path} does not exist; deploy fresh")
    deployed = DeployedStack.from_json(path.read_text())
    old, new = deployed.endpoint_url, endpoint_url.rstrip("/")
    if old != new:  # ministack came back on another port: the API's URLs move with it
        deployed.api_url = deployed.api_url.replace(old, new, 1)
        deployed.webhook_url = deployed.webhook_url.replace(old, new, 1)
        deployed.hosted_ui_url = new
        deployed.endpoint_url = new
    context = DeployContext(new, deployed.region)
    try:
        context.client("apigateway").get_rest_api(restApiId=deployed.rest_api_id)
        context.client("cognito-idp").describe_user_pool(UserPoolId=deployed.user_pool_id)
        for name in deployed.function_names.values():
            context.client("lambda").get_function(FunctionName=name)
        if not deployed.console_distribution_id:
            raise ValueError("the saved deploy predates the console's distribution")
        context.client("cloudfront").get_distribution(Id=deployed.console_distribution_id)
        # S3 keeps object bodies across a restart only when ministack persists them.
        context.client("s3").head_object(Bucket=deployed.console_bucket, Key="config.json")
    except Exception as error:
        raise DeployError(
            f"cannot resume: ministack at {new} no longer holds the saved stack ({error}); "
            "deploy fresh"
        ) from error
    path.write_text(deployed.to_json())
    return deployed


_resolve = program_runner.resolve


def _failure_message(mocks: DeployingMocks, error: Exception | None) -> str:
    lines = [f"deploy into ministack failed ({len(mocks.created)} resources created)"]
    lines += [f"  {f.type} {f.name!r}: {f.error}" for f in mocks.failed]
    if error is not None:
        lines.append(f"  {error!r}")
    return "\n".join(lines)
