"""A local AWS for the handler tests: ministack on 127.0.0.1, and the resources the stack makes.

ministack is used (not moto) because it is the emulator the sandbox deploys into and it
implements every call the handlers make: API keys with includeValue, usage-plan keys,
Cognito admin attribute updates, DynamoDB conditional writes and GSI queries, Secrets Manager.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from sandbox.deploy.storage import create_table

REGION = "us-east-1"
PORTAL_CONFIGURATION = "bpc_test_stack_portal"  # what the stack passes (a Stripe id)
CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
DATA_COMPONENT = "data"  # infra/stack.py: Data("data", ...) names each table data-<key>


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def ministack() -> Iterator[str]:
    """Start ministack bound to loopback with its state in a temp dir; yield its URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ministack-") as state:
        env = dict(os.environ, BIND_HOST="127.0.0.1", GATEWAY_PORT=str(port),
                   IOT_MTLS_ENABLED="0", STATE_DIR=state, TMPDIR=state)
        binary = Path(os.sys.executable).parent / "ministack"
        proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    urllib.request.urlopen(url + "/_ministack/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("ministack did not start") from None
                    time.sleep(0.05)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class AwsStack:
    """The resources of one test: tables, pool, usage plans, secrets (unique names)."""

    endpoint: str
    users_table: str
    sessions_table: str
    events_table: str
    user_pool_id: str
    free_plan_id: str
    pro_plan_id: str
    api_key_secret_arn: str
    webhook_secret_arn: str
    webhook_secret: str
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service, endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS
            )
        return self.clients[service]

    @property
    def catalog(self) -> dict[str, Any]:
        return {
            "default_plan": "FREE",
            "plans": [
                {"name": "FREE", "usage_plan_id": self.free_plan_id, "price_lookup_key": None,
                 "quota": {"limit": 1000, "period": "MONTH"}},
                {"name": "PRO", "usage_plan_id": self.pro_plan_id,
                 "price_lookup_key": "FMMailPro", "quota": {"limit": 100000, "period": "MONTH"}},
            ],
        }

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "USERS_TABLE": self.users_table,
            "CHECKOUT_SESSIONS_TABLE": self.sessions_table,
            "STRIPE_EVENTS_TABLE": self.events_table,
            "USER_POOL_ID": self.user_pool_id,
            "PLAN_CATALOG": json.dumps(self.catalog),
            "STRIPE_API_KEY_SECRET_ARN": self.api_key_secret_arn,
            "STRIPE_WEBHOOK_SECRET_ARN": self.webhook_secret_arn,
            "WEB_BASE_URL": "https://app.example.test",
            "STRIPE_PORTAL_CONFIGURATION": PORTAL_CONFIGURATION,
            "GRACE_ON_PAST_DUE": "false",
            "CORS_ALLOW_ORIGIN": "https://app.example.test",
            "POWERTOOLS_SERVICE_NAME": "api-sales-test",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "METRICS_SERVICE": "api-sales-test",  # the stack's name on every business metric
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here (off outside Lambda too)
        }

    def create_program_table(self, key: str) -> str:
        """This test's copy of the program's ``key`` table (``sweep-state``, ...), made from
        what the program declares like the three above; its name."""
        name = f"{key}-{self.users_table.removeprefix('users-')}"
        create_table(self.client("dynamodb"), name, program_tables()[key])
        return name

    # -- helpers for assertions -------------------------------------------------------------

    def create_user(self, user_id: str) -> None:
        self.client("cognito-idp").admin_create_user(
            UserPoolId=self.user_pool_id, Username=user_id,
            UserAttributes=[{"Name": "email", "Value": f"{user_id}@example.com"}],
            MessageAction="SUPPRESS",
        )

    def cognito_attributes(self, user_id: str) -> dict[str, str]:
        user = self.client("cognito-idp").admin_get_user(
            UserPoolId=self.user_pool_id, Username=user_id
        )
        return {a["Name"]: a["Value"] for a in user["UserAttributes"]}

    def user_item(self, user_id: str) -> dict[str, Any] | None:
        return self.client("dynamodb").get_item(
            TableName=self.users_table, Key={"user_id": {"S": user_id}}, ConsistentRead=True
        ).get("Item")

    def keys_of(self, user_id: str) -> list[dict[str, Any]]:
        """The API keys named for ``user_id`` in this stack."""
        name = f"{self.users_table}-user-{user_id}"
        items = self.client("apigateway").get_api_keys(nameQuery=name, limit=500)["items"]
        return [k for k in items if k["name"] == name]

    def plan_key_ids(self, usage_plan_id: str) -> set[str]:
        pages = self.client("apigateway").get_paginator("get_usage_plan_keys").paginate(
            usagePlanId=usage_plan_id, PaginationConfig={"PageSize": 500})
        return {k["id"] for page in pages for k in page["items"]}

    def plans_of_key(self, key_id: str) -> set[str]:
        names = {self.free_plan_id: "FREE", self.pro_plan_id: "PRO"}
        return {name for pid, name in names.items() if key_id in self.plan_key_ids(pid)}

    def snapshot(self) -> dict[str, Any]:
        """Every item of the three tables plus usage-plan membership: for 'nothing changed'."""
        db = self.client("dynamodb")
        tables = {}
        for table in (self.users_table, self.sessions_table, self.events_table):
            items = db.scan(TableName=table, ConsistentRead=True)["Items"]
            tables[table] = sorted(json.dumps(i, sort_keys=True) for i in items)
        tables["plans"] = {p: sorted(self.plan_key_ids(p))
                           for p in (self.free_plan_id, self.pro_plan_id)}
        return tables


@functools.cache
def program_tables() -> dict[str, dict[str, Any]]:
    """The DynamoDB tables as the program declares them (``users``, ``checkout-sessions``,
    ``stripe-events`` -> the ``aws.dynamodb.Table`` inputs), from the program run under
    the recording mocks: the tests' tables cannot drift from the stack's."""
    from infra.functions import all_function_specs
    from infra.packaging import LambdaArchive
    from tests.infra.harness import run_program

    # The recording mocks never open an archive: the program only passes its path along.
    archives = {name: LambdaArchive(Path("unbuilt.zip"), "", 0) for name in all_function_specs()}
    run = run_program({"protectStatefulResources": "false"}, archives=archives)
    return {
        table.name.removeprefix(f"{DATA_COMPONENT}-"): table.inputs
        for table in run.of_type("aws:dynamodb/table:Table")
    }


def create_stack(endpoint: str, webhook_secret: str = "whsec_test_secret") -> AwsStack:
    suffix = uuid.uuid4().hex[:8]
    kw = {"endpoint_url": endpoint, "region_name": REGION, **CREDENTIALS}
    db = boto3.client("dynamodb", **kw)
    users, sessions, events = f"users-{suffix}", f"sessions-{suffix}", f"events-{suffix}"
    tables = program_tables()
    for name, key in ((users, "users"), (sessions, "checkout-sessions"), (events, "stripe-events")):
        create_table(db, name, tables[key])
    cognito = boto3.client("cognito-idp", **kw)
    pool = cognito.create_user_pool(
        PoolName=f"pool-{suffix}",
        Schema=[{"Name": "plan_type", "AttributeDataType": "String", "Mutable": True},
                {"Name": "stripe_customer_id", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    apigw = boto3.client("apigateway", **kw)
    free = apigw.create_usage_plan(name=f"FREE-{suffix}", quota={"limit": 1000, "period": "MONTH"})
    pro = apigw.create_usage_plan(name=f"PRO-{suffix}",
                                  quota={"limit": 100000, "period": "MONTH"})
    sm = boto3.client("secretsmanager", **kw)
    key_arn = sm.create_secret(Name=f"api-sales/{suffix}/stripe-api-key",
                               SecretString="sk_test_handlers")["ARN"]
    hook_arn = sm.create_secret(Name=f"api-sales/{suffix}/stripe-webhook-secret",
                                SecretString=webhook_secret)["ARN"]
    return AwsStack(endpoint, users, sessions, events, pool, free["id"], pro["id"],
                    key_arn, hook_arn, webhook_secret)
