"""Cognito: user pool, app client and hosted-UI domain."""

from __future__ import annotations

from sandbox.deploy.context import DeployContext
from sandbox.deploy.values import as_int, drop_none, pascal_keys

Created = tuple[str, dict]


def user_pool(ctx: DeployContext, name: str, inputs: dict) -> Created:
    pool_name = inputs.get("name") or ctx.physical_name(name, max_length=128)
    created = ctx.client("cognito-idp").create_user_pool(**drop_none(
        PoolName=pool_name,
        UsernameAttributes=inputs.get("usernameAttributes"),
        AliasAttributes=inputs.get("aliasAttributes"),
        AutoVerifiedAttributes=inputs.get("autoVerifiedAttributes"),
        UsernameConfiguration=pascal_keys(inputs.get("usernameConfiguration")),
        AccountRecoverySetting=pascal_keys(inputs.get("accountRecoverySetting")),
        Policies=({"PasswordPolicy": pascal_keys(inputs["passwordPolicy"])}
                  if inputs.get("passwordPolicy") else None),
        UserAttributeUpdateSettings=_update_settings(inputs.get("userAttributeUpdateSettings")),
        Schema=[_schema_attribute(s) for s in inputs.get("schemas") or []],
        MfaConfiguration=inputs.get("mfaConfiguration"),
        DeletionProtection=inputs.get("deletionProtection"),
        UserPoolTags=inputs.get("tags"),
    ))["UserPool"]  # fmt: skip
    pool_id = created["Id"]
    return pool_id, {
        "arn": created.get("Arn") or ctx.arn("cognito-idp", f"userpool/{pool_id}"),
        "name": pool_name,
        "endpoint": f"cognito-idp.{ctx.region}.amazonaws.com/{pool_id}",
        "creationDate": str(created.get("CreationDate", "")),
    }


def _update_settings(settings: dict | None) -> dict | None:
    # pulumi-aws names the list in the plural; the Cognito API in the singular.
    required = (settings or {}).get("attributesRequireVerificationBeforeUpdates")
    return {"AttributesRequireVerificationBeforeUpdate": required} if required else None


def _schema_attribute(schema: dict) -> dict:
    attribute = pascal_keys(schema)
    # Cognito spells these two with a different case than Pulumi's PascalCase would give.
    if "StringAttributeConstraints" in attribute:
        attribute["StringAttributeConstraints"] = {
            k: str(v) for k, v in attribute["StringAttributeConstraints"].items()
        }
    return attribute


def user_pool_client(ctx: DeployContext, name: str, inputs: dict) -> Created:
    created = ctx.client("cognito-idp").create_user_pool_client(**drop_none(
        UserPoolId=inputs["userPoolId"],
        ClientName=inputs.get("name") or name,
        GenerateSecret=bool(inputs.get("generateSecret", False)),
        ExplicitAuthFlows=inputs.get("explicitAuthFlows"),
        PreventUserExistenceErrors=inputs.get("preventUserExistenceErrors"),
        SupportedIdentityProviders=inputs.get("supportedIdentityProviders"),
        AllowedOAuthFlowsUserPoolClient=inputs.get("allowedOauthFlowsUserPoolClient"),
        AllowedOAuthFlows=inputs.get("allowedOauthFlows"),
        AllowedOAuthScopes=inputs.get("allowedOauthScopes"),
        CallbackURLs=inputs.get("callbackUrls"),
        LogoutURLs=inputs.get("logoutUrls"),
        ReadAttributes=inputs.get("readAttributes"),
        WriteAttributes=inputs.get("writeAttributes"),
        IdTokenValidity=as_int(inputs.get("idTokenValidity")),
        AccessTokenValidity=as_int(inputs.get("accessTokenValidity")),
        RefreshTokenValidity=as_int(inputs.get("refreshTokenValidity")),
        TokenValidityUnits=pascal_keys(inputs.get("tokenValidityUnits")),
    ))["UserPoolClient"]  # fmt: skip
    return created["ClientId"], {"clientSecret": created.get("ClientSecret", "")}


def user_pool_domain(ctx: DeployContext, name: str, inputs: dict) -> Created:
    domain = inputs["domain"]
    created = ctx.client("cognito-idp").create_user_pool_domain(
        **drop_none(Domain=domain, UserPoolId=inputs["userPoolId"])
    )
    return domain, {"cloudfrontDistribution": created.get("CloudFrontDomain", "")}
