"""API keys and their usage-plan membership in API Gateway."""

from __future__ import annotations

from collections.abc import Sequence

from botocore.exceptions import ClientError

from apisales.adapters.aws import apigateway, error_code
from apisales.domain.entitlements import Plan
from apisales.domain.ports import KeyDetails


def _tolerate(exc: ClientError, *codes: str) -> None:
    if error_code(exc) not in codes:
        raise exc


class ApiGatewayKeys:
    def create(self, name: str) -> str:
        return str(apigateway().create_api_key(name=name, enabled=True)["id"])

    def find_by_name(self, name: str) -> str | None:
        matches = self.ids_named(name)
        return matches[0] if matches else None

    def ids_named(self, name: str) -> list[str]:
        # nameQuery is a prefix match: keep only the exact name.
        items = apigateway().get_api_keys(nameQuery=name, limit=500).get("items", [])
        return sorted(str(item["id"]) for item in items if item.get("name") == name)

    def put_on_plan(self, key_id: str, plan: Plan, all_plans: Sequence[Plan]) -> None:
        apigw = apigateway()
        others = [p for p in all_plans if p.usage_plan_id != plan.usage_plan_id]
        try:
            # New plan first, so the key never stops working during an upgrade.
            apigw.create_usage_plan_key(
                usagePlanId=plan.usage_plan_id, keyId=key_id, keyType="API_KEY"
            )
        except ClientError as exc:
            _tolerate(exc, "ConflictException", "BadRequestException")
            # Either it is on the plan already, or (real API Gateway) a key may not sit in two
            # plans of the same stage: then leave the old plan first and join again.
            if not self._on_plan(key_id, plan.usage_plan_id):
                self._leave(key_id, others)
                others = []
                apigw.create_usage_plan_key(
                    usagePlanId=plan.usage_plan_id, keyId=key_id, keyType="API_KEY"
                )
        self._leave(key_id, others)

    def _on_plan(self, key_id: str, usage_plan_id: str) -> bool:
        try:
            apigateway().get_usage_plan_key(usagePlanId=usage_plan_id, keyId=key_id)
            return True
        except ClientError as exc:
            _tolerate(exc, "NotFoundException")
            return False

    def _leave(self, key_id: str, plans: Sequence[Plan]) -> None:
        for other in plans:
            try:
                apigateway().delete_usage_plan_key(
                    usagePlanId=other.usage_plan_id, keyId=key_id
                )
            except ClientError as exc:
                _tolerate(exc, "NotFoundException")

    def delete(self, key_id: str, all_plans: Sequence[Plan]) -> None:
        # Leave the plans explicitly: not every emulator drops a deleted key's memberships.
        self._leave(key_id, all_plans)
        try:
            apigateway().delete_api_key(apiKey=key_id)
        except ClientError as exc:
            _tolerate(exc, "NotFoundException")

    def value(self, key_id: str) -> str:
        return self.describe(key_id).value

    def describe(self, key_id: str) -> KeyDetails:
        key = apigateway().get_api_key(apiKey=key_id, includeValue=True)
        return KeyDetails(str(key["id"]), str(key["value"]), key.get("enabled", True))
