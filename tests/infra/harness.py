"""Runs the Pulumi program under mocks and records what it declared.

``run_program`` builds the real program (``infra.stack.build_stack``) with the dev stack's
config from ``Pulumi.dev.yaml`` (plus overrides), waits for every registration, and returns
the resources as the engine would have received them: type, name, camelCase inputs, and
the resource options the engine acts on (protect, delete_before_replace, retain_on_delete,
depends_on, replace_on_changes), which the mocks themselves never see.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pulumi

from infra.packaging import LambdaArchive, build_function_archives
from sandbox import program_runner

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "123456789012"
REGION = "ap-northeast-1"
# The only secret a seller sets: Stripe's signing secret comes from the webhook endpoint.
TEST_SECRETS = {"stripeSecretKey": "sk_test_51Example0000000000000000000000"}
MOCK_WEBHOOK_SECRET = "whsec_mockedByTheHarness0000000000000000"
DELETE = object()  # an override value that removes the key from the config


@dataclass
class RegisteredResource:
    type: str
    name: str
    inputs: dict[str, Any]
    id: str
    outputs: dict[str, Any]
    protect: bool = False
    provider: str | None = None  # "<provider urn>::<provider id>" for an explicit provider
    opts: pulumi.ResourceOptions | None = None  # as declared (additional_secret_outputs, ...)
    delete_before_replace: bool = False
    retain_on_delete: bool = False
    depends_on: list[str] = field(default_factory=list)  # names of the resources waited for
    replace_on_changes: list[str] = field(default_factory=list)


@dataclass
class ProgramRun(list):
    """The registered resources (a list, in registration order) plus the stack exports."""

    exports: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        list.__init__(self)

    def of_type(self, type_: str) -> list[RegisteredResource]:
        return [r for r in self if r.type == type_]

    def named(self, type_: str, name: str) -> RegisteredResource:
        matches = [r for r in self if r.type == type_ and r.name == name]
        assert len(matches) == 1, f"expected one {type_} named {name!r}, found {len(matches)}"
        return matches[0]


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like AWS would (ids, ARNs, computed outputs) and records each registration."""

    def __init__(
        self,
        previous_outputs: dict[str, Any] | None = None,
        resources: list[RegisteredResource] | None = None,
    ) -> None:
        self.resources: list[RegisteredResource] = [] if resources is None else resources
        self._lock = threading.Lock()  # new_resource is called from several threads
        self._previous_outputs = previous_outputs or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.inputs.get("name"), "outputs": self._previous_outputs}
        resource_id = args.resource_id or f"{args.name.replace(' ', '_')}-id"
        outputs = dict(args.inputs)
        outputs.update(_computed_outputs(args.typ, args.name, resource_id, args.inputs))
        with self._lock:
            self.resources.append(
                RegisteredResource(args.typ, args.name, dict(args.inputs), resource_id, outputs,
                                   provider=args.provider or None)  # fmt: skip
            )
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                    "userId": "AIDAEXAMPLE", "id": ACCOUNT_ID}  # fmt: skip
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        return {}


DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
# What AWS computes for the console's resources (infra/console.py).
CONSOLE_OUTPUTS: dict[str, Any] = {
    "aws:s3/bucket:Bucket": lambda rid, inputs: {
        "bucket": rid, "arn": f"arn:aws:s3:::{rid}",
        "bucketRegionalDomainName": f"{rid}.s3.{REGION}.amazonaws.com",
    },
    "aws:cloudfront/distribution:Distribution": lambda rid, inputs: {
        "domainName": DISTRIBUTION_DOMAIN,
        "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{rid}",
    },
    "aws:cloudfront/function:Function": lambda rid, inputs: {
        "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{inputs.get('name')}",
    },
}  # fmt: skip


is_secret = program_runner.is_secret  # whether an input arrived as a Pulumi secret


def _computed_outputs(typ: str, name: str, resource_id: str, inputs: dict) -> dict[str, Any]:
    service = typ.split(":")[1].split("/")[0]
    physical = inputs.get("name") or resource_id
    outputs: dict[str, Any] = {
        "arn": f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource_id}",
        "name": physical,
    }
    if typ == "aws:apigateway/restApi:RestApi":
        outputs["rootResourceId"] = "root-id"
        outputs["executionArn"] = f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{resource_id}"
    elif typ == "aws:apigateway/stage:Stage":
        outputs["invokeUrl"] = (
            f"https://{inputs.get('restApi')}.execute-api.{REGION}.amazonaws.com/"
            f"{inputs.get('stageName')}"
        )
    elif typ == "aws:lambda/function:Function":
        outputs["invokeArn"] = f"arn:aws:apigateway:{REGION}:lambda:path/functions/{physical}"
    elif typ in CONSOLE_OUTPUTS:
        outputs.update(CONSOLE_OUTPUTS[typ](resource_id, inputs))
    elif typ == "aws:dynamodb/table:Table":
        outputs["arn"] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{physical}"
    elif typ == "aws:cognito/userPool:UserPool":
        outputs["arn"] = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{resource_id}"
    elif typ == "random:index/randomPassword:RandomPassword":
        outputs["result"] = "R" * int(inputs.get("length", 16))  # letters only, as requested
    elif typ == "aws:cloudwatch/logGroup:LogGroup":
        outputs["arn"] = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{physical}"
    elif typ == "stripe:index/webhookEndpoint:WebhookEndpoint":
        outputs["secret"] = MOCK_WEBHOOK_SECRET  # Stripe returns it in the create response
    return outputs


@cache
def stack_config(stack: str = "dev") -> dict[str, Any]:
    """The config values of ``Pulumi.<stack>.yaml``, with their full keys."""
    return program_runner.stack_config(stack, PROJECT_ROOT)


def dev_config() -> dict[str, Any]:
    return stack_config("dev")


@cache
def shared_archives() -> dict[str, LambdaArchive]:
    """Every function's archive, built once per test process."""
    from infra.functions import archive_sources

    return build_function_archives(archive_sources())


def run_program(
    config: dict[str, Any] | None = None,
    previous_outputs: dict[str, Any] | None = None,
    archives: dict[str, LambdaArchive] | None = None,
    stack: str = "dev",
    organization: str = "organization",
    registered: list[RegisteredResource] | None = None,
    config_stack: str | None = None,
) -> ProgramRun:
    """Build the program under fresh mocks. ``config`` keys without ``api-sales:`` prefix
    override (or, with :data:`DELETE`, remove) values of ``Pulumi.<stack>.yaml``.

    ``config_stack`` names the ``Pulumi.<x>.yaml`` to read when it is not ``stack``'s own.
    ``registered``, if given, receives each registration as it happens, so a test of a
    program that fails can still see what reached the engine before it failed."""
    values: dict[str, Any] = {
        **stack_config(config_stack or stack),
        **{f"api-sales:{k}": v for k, v in TEST_SECRETS.items()},
    }
    for key, value in (config or {}).items():
        full_key = key if ":" in key else f"api-sales:{key}"
        if value is DELETE:
            values.pop(full_key, None)
        else:
            values[full_key] = value

    mocks = RecordingMocks(previous_outputs, registered)
    options: dict[tuple[str, str], pulumi.ResourceOptions] = {}

    def record_options(args: pulumi.ResourceTransformationArgs):
        options[(args.type_, args.name)] = args.opts or pulumi.ResourceOptions()
        return None

    result = program_runner.run_program(
        mocks, values, stack=stack, organization=organization,
        archives=archives or shared_archives(),
        before_build=lambda: pulumi.runtime.register_stack_transformation(record_options),
    )  # fmt: skip
    run = ProgramRun()
    for resource in mocks.resources:
        _apply_options(resource, options.get((resource.type, resource.name)))
        run.append(resource)
    run.exports = result.exports
    return run


reveal = program_runner.reveal  # the plain value of an input the SDK sent as a secret


def _apply_options(resource: RegisteredResource, opts: pulumi.ResourceOptions | None) -> None:
    if opts is None:
        return
    resource.opts = opts
    resource.protect = bool(opts.protect)
    resource.delete_before_replace = bool(opts.delete_before_replace)
    resource.retain_on_delete = bool(opts.retain_on_delete)
    depends_on = opts.depends_on or []
    if not isinstance(depends_on, list):
        depends_on = [depends_on]
    resource.depends_on = [getattr(r, "_name", repr(r)) for r in depends_on]
    resource.replace_on_changes = list(opts.replace_on_changes or [])


# Services in a function's role that Lambda uses on the function's behalf (log delivery,
# X-Ray segments): the function's own code never makes a client for them.
LAMBDA_SERVICE_ONLY = frozenset({"logs", "xray"})


def code_services(run: ProgramRun) -> dict[str, list[str]]:
    """Handler string -> the AWS services (IAM prefixes, boto3's names for the ones used
    here) the function's role policy lets its code call, as the program declared them."""
    role_ids = {r.outputs["arn"]: r.id for r in run.of_type("aws:iam/role:Role")}
    policies = run.of_type("aws:iam/rolePolicy:RolePolicy")
    services: dict[str, list[str]] = {}
    for function in run.of_type("aws:lambda/function:Function"):
        role_id = role_ids[function.inputs["role"]]
        prefixes: set[str] = set()
        for policy in (p for p in policies if p.inputs["role"] == role_id):
            for statement in json.loads(policy.inputs["policy"])["Statement"]:
                actions = statement["Action"]
                for action in [actions] if isinstance(actions, str) else actions:
                    prefixes.add(action.split(":", 1)[0])
        services[function.inputs["handler"]] = sorted(prefixes - LAMBDA_SERVICE_ONLY)
    return services
