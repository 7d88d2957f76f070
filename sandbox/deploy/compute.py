"""IAM roles and inline policies, Lambda functions and their invoke permissions."""

from __future__ import annotations

from pathlib import Path

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import archive_path, as_int, drop_none, pascal_keys

Created = tuple[str, dict]


def role(ctx: DeployContext, name: str, inputs: dict) -> Created:
    role_name = inputs.get("name") or ctx.physical_name(name)
    created = ctx.client("iam").create_role(**drop_none(
        RoleName=role_name,
        Path=inputs.get("path"),
        AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
        Description=inputs.get("description"),
        Tags=[{"Key": k, "Value": v} for k, v in (inputs.get("tags") or {}).items()],
    ))["Role"]  # fmt: skip
    return role_name, {"name": role_name, "arn": created["Arn"],
                       "uniqueId": created.get("RoleId", "")}  # fmt: skip


def role_policy(ctx: DeployContext, name: str, inputs: dict) -> Created:
    policy_name = inputs.get("name") or ctx.physical_name(name, max_length=128)
    ctx.client("iam").put_role_policy(
        RoleName=inputs["role"], PolicyName=policy_name, PolicyDocument=inputs["policy"]
    )
    return f"{inputs['role']}:{policy_name}", {"name": policy_name}


def function(ctx: DeployContext, name: str, inputs: dict) -> Created:
    function_name = inputs.get("name") or ctx.physical_name(name)
    environment = (inputs.get("environment") or {}).get("variables")
    created = ctx.client("lambda").create_function(**drop_none(
        FunctionName=function_name,
        Runtime=inputs.get("runtime"),
        Role=inputs["role"],
        Handler=inputs.get("handler"),
        Code={"ZipFile": Path(archive_path(inputs["code"])).read_bytes()},
        Description=inputs.get("description"),
        Timeout=as_int(inputs.get("timeout")),
        MemorySize=as_int(inputs.get("memorySize")),
        Architectures=inputs.get("architectures"),
        Environment={"Variables": environment} if environment else None,
        TracingConfig=pascal_keys(inputs.get("tracingConfig")),
        LoggingConfig=pascal_keys(inputs.get("loggingConfig")),
        Tags=inputs.get("tags"),
        Publish=bool(inputs.get("publish", False)),
    ))  # fmt: skip
    arn = created["FunctionArn"]
    version = created.get("Version", "$LATEST")
    return function_name, {
        "name": function_name,
        "arn": arn,
        "qualifiedArn": f"{arn}:{version}",
        "version": version,
        "invokeArn": _invoke_arn(ctx, arn),
        "qualifiedInvokeArn": _invoke_arn(ctx, f"{arn}:{version}"),
        "sourceCodeHash": created.get("CodeSha256", ""),
    }


def _invoke_arn(ctx: DeployContext, function_arn: str) -> str:
    return (
        f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


def permission(ctx: DeployContext, name: str, inputs: dict) -> Created:
    statement_id = inputs.get("statementId") or ctx.physical_name(name, max_length=100)
    ctx.client("lambda").add_permission(**drop_none(
        FunctionName=inputs["function"],
        StatementId=statement_id,
        Action=inputs["action"],
        Principal=inputs["principal"],
        SourceArn=inputs.get("sourceArn"),
        SourceAccount=inputs.get("sourceAccount"),
        Qualifier=inputs.get("qualifier"),
    ))  # fmt: skip
    return statement_id, {"statementId": statement_id}
