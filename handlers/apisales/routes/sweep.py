"""The reconciliation sweep's function: run by EventBridge Scheduler, or on demand.

Event: ``{}`` (the schedule) or ``{"full": true}`` (a full pass now). It answers the run's
report; one INFO line carries the same figures, and the metrics ``SweepCorrections`` (every
run), ``SweepRuns`` (a finished run) and ``PlanChanges`` (cause ``sweep``) go out as EMF.
The rules are ``domain/sweep.py``; this module only wires them to the adapters.
"""

from __future__ import annotations

from apisales import init_phase  # first: no GC passes while the function loads

# isort: split
import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from apisales.business_metrics import CAUSE, NAMESPACE, SERVICE, SERVICE_ENV, Cause, Metric
from apisales.domain.sweep import Status, Sweep, SweepReport
from apisales.observability import AWS_SDK, HTTP, tracer_for
from apisales.roots import sweep as root

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)
# A subsegment per AWS call (botocore) and per Stripe call (requests: the Stripe SDK's client).
tracer = tracer_for([AWS_SDK, HTTP])
# Lambda's init phase loads the adapters its root builds and makes the clients its role allows.
root.initialise()


def _service() -> str:
    return os.environ.get(SERVICE_ENV) or os.environ.get("POWERTOOLS_SERVICE_NAME", "api-sales")


def _emit(report: SweepReport) -> None:
    if report.status is Status.BUSY:
        return  # another run is sweeping and reports for itself
    metrics.add_metric(name=Metric.SWEEP_CORRECTIONS.value, unit=MetricUnit.Count,
                       value=len(report.corrections))  # fmt: skip
    if report.status is Status.FINISHED:
        metrics.add_metric(name=Metric.SWEEP_RUNS.value, unit=MetricUnit.Count, value=1)
    changed = sum(1 for c in report.corrections if c.plan_changed)
    if changed:
        with single_metric(name=Metric.PLAN_CHANGES.value, unit=MetricUnit.Count, value=changed,
                           namespace=NAMESPACE,
                           default_dimensions={SERVICE: _service()}) as metric:  # fmt: skip
            metric.add_dimension(name=CAUSE, value=Cause.SWEEP.value)


def run(event: dict[str, Any], sweep: Sweep) -> dict[str, Any]:
    report = sweep.run(full=bool(event.get("full")))
    for refusal in report.security_refusals:
        logger.warning("sweep identity mismatch; nothing applied", extra={
            "security_event": "sweep_identity_mismatch", "mismatch": refusal.reason,
            **refusal.ids})  # fmt: skip
    for correction in report.corrections:
        logger.warning("sweep corrected a user", extra={
            "user_id": correction.user_id, "plan_before": correction.plan_before,
            "key_plan_before": correction.key_plan_before, "plan": correction.plan_after})
    _emit(report)
    summary = report.as_log()
    if report.error is not None:
        # Logged with what it did before failing; raised so that Lambda counts an error
        # (the sweep-errors alarm) and the invocation is retried.
        logger.error("sweep run failed", extra=summary)
        raise report.error
    logger.info("sweep run", extra=summary)
    return summary


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.set_default_dimensions(**{SERVICE: _service()})
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    sweep = root.sweep(
        time_left=(lambda: remaining() / 1000) if callable(remaining) else None
    )
    return run(event if isinstance(event, dict) else {}, sweep)


init_phase.loaded()  # last: the function has loaded (apisales/init_phase.py)
