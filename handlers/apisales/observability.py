"""Traces and business metrics, the Powertools way (docs/operations.md, "Traces, metrics, logs").

Tracing: each route module makes its :class:`Tracer` with :func:`tracer_for`, naming only the
libraries it calls, so the X-Ray SDK patches those and nothing else (``patch_modules=None``
would import and patch every library the SDK knows, paid at each cold start). botocore's
patch gives a subsegment per AWS call (DynamoDB, API Gateway, Cognito, Secrets Manager);
``requests``' gives one per Stripe call (the Stripe SDK's HTTP client). Powertools turns
tracing off outside Lambda and with ``POWERTOOLS_TRACE_DISABLED=true``. Responses are never
put into traces (``capture_response=False``): an answer may hold an API key's value.

Metrics: :func:`count` writes one business metric (``business_metrics.py``) as one EMF line
at once (``single_metric``): in namespace ``ApiSales``, with ``service`` = the stack's name
(``METRICS_SERVICE``) and exactly the metric's own dimensions, so the alarms and the
dashboard find it. Written at once, a metric is not lost when the request later fails.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Protocol

from aws_lambda_powertools import Tracer, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from apisales.business_metrics import (
    CAUSE,
    DIMENSIONS,
    NAMESPACE,
    SERVICE,
    SERVICE_ENV,
    Cause,
    Metric,
)

AWS_SDK = "botocore"  # every boto3 client call
HTTP = "requests"  # the Stripe SDK's HTTP client


def tracer_for(modules: Sequence[str]) -> Tracer:
    """The function's tracer, patching only ``modules`` (none: the handler's span only)."""
    if not modules:
        return Tracer(auto_patch=False)
    return Tracer(patch_modules=list(modules))


def count(metric: Metric, **dimensions: str) -> None:
    """One occurrence of ``metric``; ``dimensions`` are exactly the ones it is declared with."""
    expected = set(DIMENSIONS[metric])
    if set(dimensions) != expected:
        raise ValueError(f"{metric} takes dimensions {sorted(expected)}, got {sorted(dimensions)}")
    service = os.environ.get(SERVICE_ENV) or os.environ.get("POWERTOOLS_SERVICE_NAME", "api-sales")
    with single_metric(name=metric.value, unit=MetricUnit.Count, value=1, namespace=NAMESPACE,
                       default_dimensions={SERVICE: service}) as emitted:  # fmt: skip
        for name, value in dimensions.items():
            emitted.add_dimension(name=name, value=value)


class SyncOutcome(Protocol):
    """What the fulfilment path reports (``domain.fulfilment.Outcome``; not imported, so
    the product function, which has no domain code, does not ship it)."""

    @property
    def key_created(self) -> bool: ...

    @property
    def plan_changed(self) -> bool: ...


def count_sync(outcome: SyncOutcome, cause: Cause, first_fulfilment: bool = False) -> None:
    """What one run of the fulfilment path did: a first key, a plan change, a Checkout paid."""
    if outcome.key_created:
        count(Metric.KEYS_ISSUED)
    if outcome.plan_changed:
        count(Metric.PLAN_CHANGES, **{CAUSE: cause.value})
    if first_fulfilment:
        count(Metric.CHECKOUTS_COMPLETED)
