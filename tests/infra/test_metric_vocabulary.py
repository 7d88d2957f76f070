"""The business metric names live once, in the handlers, and the program reads that file."""

from __future__ import annotations

import ast
import sys

from apisales import business_metrics
from infra.metric_vocabulary import VOCABULARY_FILE, vocabulary


def test_the_program_reads_the_handlers_own_definition():
    assert VOCABULARY_FILE.samefile(business_metrics.__file__)
    names = vocabulary()
    assert names.NAMESPACE == business_metrics.NAMESPACE == "ApiSales"
    assert [m.value for m in names.Metric] == [m.value for m in business_metrics.Metric]
    assert names.DIMENSIONS.keys() == set(names.Metric)


def test_the_vocabulary_imports_only_the_standard_library():
    # The program loads the file without the Lambda dependencies on its path.
    tree = ast.parse(VOCABULARY_FILE.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported and imported <= sys.stdlib_module_names | {"__future__"}


def test_the_issue_s_metrics_and_dimensions_are_named():
    metric = business_metrics.Metric
    assert {m.value for m in metric} == {
        "SignUps", "KeysIssued", "CheckoutsStarted", "CheckoutsCompleted", "PlanChanges",
        "WebhookEvents", "SweepRuns", "SweepCorrections", "QuotaMailsSent",
    }  # fmt: skip
    assert business_metrics.DIMENSIONS[metric.PLAN_CHANGES] == ("cause",)
    assert business_metrics.DIMENSIONS[metric.WEBHOOK_EVENTS] == ("type", "outcome")
    assert {c.value for c in business_metrics.Cause} == {"webhook", "checkout_status", "sweep"}
    assert {o.value for o in business_metrics.Outcome} == {
        "applied", "duplicate", "ignored", "refused", "failed"}  # fmt: skip
