"""A ``pulumi.runtime.Mocks`` that deploys: each resource is created in ministack with boto3.

``new_resource`` returns the resource's real id and outputs (ARNs, invoke ARN, root resource
id, invoke URL, ...), so every dependent resource receives real values and the program's
own wiring is what gets exercised. The Pulumi SDK calls ``new_resource`` from several
threads at once; the shared state here is guarded by a lock and boto3 clients are shared
(they are thread-safe; sessions are not, and none is made after start-up).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from sandbox.deploy import (
    apigateway,
    compute,
    console,
    identity,
    monitoring,
    scheduler,
    storage,
    stripe,
)
from sandbox.deploy.context import DeployContext

Creator = Callable[[DeployContext, str, dict], tuple[str, dict[str, Any]]]

CREATORS: dict[str, Creator] = {
    "aws:apigateway/restApi:RestApi": apigateway.rest_api,
    "aws:apigateway/authorizer:Authorizer": apigateway.authorizer,
    "aws:apigateway/resource:Resource": apigateway.resource,
    "aws:apigateway/method:Method": apigateway.method,
    "aws:apigateway/model:Model": apigateway.model,
    "aws:apigateway/requestValidator:RequestValidator": apigateway.request_validator,
    "aws:apigateway/integration:Integration": apigateway.integration,
    "aws:apigateway/methodResponse:MethodResponse": apigateway.method_response,
    "aws:apigateway/integrationResponse:IntegrationResponse": apigateway.integration_response,
    "aws:apigateway/response:Response": apigateway.gateway_response,
    "aws:apigateway/deployment:Deployment": apigateway.deployment,
    "aws:apigateway/stage:Stage": apigateway.stage,
    "aws:apigateway/methodSettings:MethodSettings": apigateway.method_settings,
    "aws:apigateway/usagePlan:UsagePlan": apigateway.usage_plan,
    "aws:apigateway/account:Account": apigateway.account,
    "aws:cognito/userPool:UserPool": identity.user_pool,
    "aws:cognito/userPoolClient:UserPoolClient": identity.user_pool_client,
    "aws:cognito/userPoolDomain:UserPoolDomain": identity.user_pool_domain,
    "aws:dynamodb/table:Table": storage.table,
    "aws:secretsmanager/secret:Secret": storage.secret,
    "aws:secretsmanager/secretVersion:SecretVersion": storage.secret_version,
    "random:index/randomPassword:RandomPassword": storage.random_password,
    "aws:cloudwatch/logGroup:LogGroup": storage.log_group,
    "aws:iam/role:Role": compute.role,
    "aws:iam/rolePolicy:RolePolicy": compute.role_policy,
    "aws:lambda/function:Function": compute.function,
    "aws:lambda/permission:Permission": compute.permission,
    "aws:s3/bucket:Bucket": console.bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": console.public_access_block,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": console.ownership_controls,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        console.encryption
    ),
    "aws:s3/bucketPolicy:BucketPolicy": console.bucket_policy,
    "aws:s3/bucketObjectv2:BucketObjectv2": console.bucket_object,
    "aws:cloudfront/originAccessControl:OriginAccessControl": console.origin_access_control,
    "aws:cloudfront/function:Function": console.function,
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": console.response_headers_policy,
    "aws:cloudfront/cachePolicy:CachePolicy": console.cache_policy,
    "aws:cloudfront/distribution:Distribution": console.distribution,
    "aws:kms/key:Key": monitoring.kms_key,
    "aws:sns/topic:Topic": monitoring.sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": monitoring.sns_subscription,
    "aws:cloudwatch/metricAlarm:MetricAlarm": monitoring.metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": monitoring.dashboard,
    "aws:sqs/queue:Queue": scheduler.sqs_queue,
    "aws:scheduler/schedule:Schedule": scheduler.schedule,
    # The Stripe side goes into the Stripe double (api-sales-sandbox:stripeApiBase).
    "pulumi:providers:stripe": stripe.provider,
    "stripe:index/product:Product": stripe.product,
    "stripe:index/price:Price": stripe.price,
    "stripe:index/portalConfiguration:PortalConfiguration": stripe.portal_configuration,
    "stripe:index/webhookEndpoint:WebhookEndpoint": stripe.webhook_endpoint,
}

# Types the program may declare that ministack cannot hold, with the reason. They are
# recorded as skipped (and printed by the sandbox), never dropped silently.
SKIPPED_TYPES: dict[str, str] = {
    "aws:apigateway/domainName:DomainName": "no DNS or certificates offline",
    "aws:apigateway/basePathMapping:BasePathMapping": "no custom domain offline",
}

STACK_REFERENCE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class DeployedResource:
    type: str
    name: str
    id: str
    seconds: float


@dataclass(frozen=True)
class SkippedResource:
    type: str
    name: str
    reason: str


@dataclass(frozen=True)
class FailedResource:
    type: str
    name: str
    error: str


class DeployingMocks(pulumi.runtime.Mocks):
    def __init__(
        self, context: DeployContext, stack_outputs: dict[str, Any] | None = None
    ) -> None:
        self.context = context
        self._stack_outputs = stack_outputs or {}  # what a StackReference to us would read
        self._lock = threading.Lock()
        self.created: list[DeployedResource] = []
        self.skipped: list[SkippedResource] = []
        self.failed: list[FailedResource] = []
        self.components: list[tuple[str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if args.typ == STACK_REFERENCE:
            return args.name, {"name": args.inputs.get("name"), "outputs": self._stack_outputs}
        creator = CREATORS.get(args.typ)
        if creator is None:
            if not args.custom:
                with self._lock:
                    self.components.append((args.typ, args.name))
                return "", {}  # a ComponentResource: nothing to create
            reason = SKIPPED_TYPES.get(args.typ, "no creator for this type in sandbox/deploy")
            with self._lock:
                self.skipped.append(SkippedResource(args.typ, args.name, reason))
            return f"skipped-{args.name}", dict(args.inputs)
        started = time.monotonic()
        try:
            resource_id, outputs = creator(self.context, args.name, dict(args.inputs))
        except Exception as error:
            with self._lock:
                self.failed.append(FailedResource(args.typ, args.name, repr(error)))
            raise
        with self._lock:
            self.created.append(
                DeployedResource(args.typ, args.name, resource_id, time.monotonic() - started)
            )
        return resource_id, {**args.inputs, **outputs}

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        ctx = self.context
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = ctx.client("sts").get_caller_identity()
            return {"accountId": identity["Account"], "arn": identity["Arn"],
                    "userId": identity["UserId"], "id": identity["Account"]}  # fmt: skip
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": ctx.region, "region": ctx.region, "id": ctx.region}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        raise NotImplementedError(f"sandbox deploy: no answer for the call {args.token}")
