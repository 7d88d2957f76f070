"""Moving a key between plans under real API Gateway's rule that a key may not be in two
plans of the same stage (ministack allows it, so this uses a stand-in client with the rule)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from apisales.adapters import apigw_keys
from apisales.domain.entitlements import Plan

FREE, PRO = Plan("FREE", "up_free", None), Plan("PRO", "up_pro", "FMMailPro")


class StrictApiGateway:
    def __init__(self, conflict_code: str) -> None:
        self.members: dict[str, set[str]] = {"up_free": set(), "up_pro": set()}
        self.conflict_code = conflict_code

    def _error(self, code: str, op: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}}, op)

    def create_usage_plan_key(self, usagePlanId: str, keyId: str, keyType: str) -> Any:  # noqa: N803
        if keyId in self.members[usagePlanId]:
            raise self._error("ConflictException", "CreateUsagePlanKey")
        if any(keyId in m for m in self.members.values()):
            raise self._error(self.conflict_code, "CreateUsagePlanKey")
        self.members[usagePlanId].add(keyId)

    def get_usage_plan_key(self, usagePlanId: str, keyId: str) -> Any:  # noqa: N803
        if keyId not in self.members[usagePlanId]:
            raise self._error("NotFoundException", "GetUsagePlanKey")
        return {"id": keyId}

    def delete_usage_plan_key(self, usagePlanId: str, keyId: str) -> Any:  # noqa: N803
        if keyId not in self.members[usagePlanId]:
            raise self._error("NotFoundException", "DeleteUsagePlanKey")
        self.members[usagePlanId].discard(keyId)


@pytest.mark.parametrize("conflict_code", ["ConflictException", "BadRequestException"])
def test_key_moves_between_plans_and_back_idempotently(
    monkeypatch: pytest.MonkeyPatch, conflict_code: str
) -> None:
    fake = StrictApiGateway(conflict_code)
    monkeypatch.setattr(apigw_keys, "apigateway", lambda: fake)
    keys = apigw_keys.ApiGatewayKeys()
    for plan in (FREE, FREE, PRO, PRO, FREE, PRO):
        keys.put_on_plan("k1", plan, (FREE, PRO))
        assert {p for p, m in fake.members.items() if "k1" in m} == {plan.usage_plan_id}
