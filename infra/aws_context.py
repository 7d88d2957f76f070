"""Account, region and partition of the target AWS account, and ARNs built from them.

Function ARNs are built from the functions' fixed names so that the API can be wired before
the functions exist; the functions in turn need the usage plan ids the API creates.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class AwsContext:
    def __init__(self) -> None:
        self.account_id = aws.get_caller_identity_output().account_id
        self.region = aws.get_region_output().region
        self.partition = aws.get_partition_output().partition

    def _arn(self, template: str) -> pulumi.Output[str]:
        return pulumi.Output.all(self.partition, self.region, self.account_id).apply(
            lambda parts: template.format(partition=parts[0], region=parts[1], account=parts[2])
        )

    def lambda_function_arn(self, function_name: str) -> pulumi.Output[str]:
        return self._arn("arn:{partition}:lambda:{region}:{account}:function:" + function_name)

    def lambda_invoke_arn(self, function_name: str) -> pulumi.Output[str]:
        return pulumi.Output.all(
            self.partition, self.region, self.lambda_function_arn(function_name)
        ).apply(
            lambda parts: (
                f"arn:{parts[0]}:apigateway:{parts[1]}:lambda:path/2015-03-31/functions/"
                f"{parts[2]}/invocations"
            )
        )

    def logs_arn(self, log_group: str) -> pulumi.Output[str]:
        return self._arn("arn:{partition}:logs:{region}:{account}:log-group:" + log_group)

    def apigateway_arn(self, path: str) -> pulumi.Output[str]:
        """Management ARN of an API Gateway path, e.g. ``/apikeys/*`` (no account part)."""
        return self._arn("arn:{partition}:apigateway:{region}::" + path)
