"""The business metrics, named once: what the functions emit and what alarms and the
dashboard read (docs/operations.md).

Pure data on purpose: it imports nothing but the standard library, because the Pulumi
program reads this file as data (infra/metric_vocabulary.py loads it by path, without
importing the ``apisales`` package or its dependencies). Renaming a metric here renames it
on both sides at once.

Every datapoint is in :data:`NAMESPACE` and carries the :data:`SERVICE` dimension whose
value is the stack's name (``<project>-<stack>``, the functions' ``METRICS_SERVICE``), so
two stacks in one account never mix their figures. Powertools Metrics adds ``service`` from
``POWERTOOLS_SERVICE_NAME`` only when it is not set already: set it as a default dimension
(``metrics.set_default_dimensions(service=...)``) before the first metric.
A metric with more dimensions than ``service`` is emitted on its own (``single_metric``)
with exactly the dimensions listed for it.
"""

from __future__ import annotations

from enum import StrEnum

NAMESPACE = "ApiSales"
SERVICE = "service"  # dimension on every business metric: the stack's name
SERVICE_ENV = "METRICS_SERVICE"  # environment variable holding that value in each function
UNIT = "Count"  # every business metric counts events


class Metric(StrEnum):
    SIGN_UPS = "SignUps"  # a user's first account record was created
    KEYS_ISSUED = "KeysIssued"  # an API key was issued or rotated
    CHECKOUTS_STARTED = "CheckoutsStarted"  # a Stripe Checkout session was opened
    CHECKOUTS_COMPLETED = "CheckoutsCompleted"  # a paid Checkout was fulfilled
    PLAN_CHANGES = "PlanChanges"  # a key moved to another plan (dimension: cause)
    WEBHOOK_EVENTS = "WebhookEvents"  # a Stripe event was handled (dimensions: type, outcome)
    SWEEP_RUNS = "SweepRuns"  # the reconciliation sweep finished a pass
    SWEEP_CORRECTIONS = "SweepCorrections"  # a record the sweep had to repair
    QUOTA_MAILS_SENT = "QuotaMailsSent"  # a quota warning mail went to a customer


class Cause(StrEnum):
    """Why a plan changed (``PlanChanges``' ``cause`` dimension)."""

    WEBHOOK = "webhook"
    CHECKOUT_STATUS = "checkout_status"  # the console polled a completed Checkout
    SWEEP = "sweep"


class Outcome(StrEnum):
    """What became of a Stripe event (``WebhookEvents``' ``outcome`` dimension)."""

    APPLIED = "applied"  # the event changed a record
    DUPLICATE = "duplicate"  # already processed (same event id)
    IGNORED = "ignored"  # valid, but nothing to do (stale, unknown customer, ...)
    REFUSED = "refused"  # bad signature or payload: answered 4xx
    FAILED = "failed"  # a dependency failed: answered 5xx, Stripe will retry


CAUSE = "cause"
EVENT_TYPE = "type"
OUTCOME = "outcome"

# Dimensions of each metric, beyond SERVICE.
DIMENSIONS: dict[Metric, tuple[str, ...]] = {
    Metric.SIGN_UPS: (),
    Metric.KEYS_ISSUED: (),
    Metric.CHECKOUTS_STARTED: (),
    Metric.CHECKOUTS_COMPLETED: (),
    Metric.PLAN_CHANGES: (CAUSE,),
    Metric.WEBHOOK_EVENTS: (EVENT_TYPE, OUTCOME),
    Metric.SWEEP_RUNS: (),
    Metric.SWEEP_CORRECTIONS: (),
    Metric.QUOTA_MAILS_SENT: (),
}

# The values a dimension may take, where they are a closed set (``type`` is Stripe's).
DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    CAUSE: tuple(c.value for c in Cause),
    OUTCOME: tuple(o.value for o in Outcome),
}
