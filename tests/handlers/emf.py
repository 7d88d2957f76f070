"""Reading the business metrics the handlers write: CloudWatch embedded metric format lines."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from apisales.business_metrics import NAMESPACE, SERVICE

STACK = "api-sales-test"  # METRICS_SERVICE in the handler tests


def emf_records(text: str) -> list[dict[str, Any]]:
    """Every EMF document in ``text`` (one JSON object a line, with an ``_aws`` block)."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            records.append(document)
    return records


def business_metrics(capsys: pytest.CaptureFixture[str]) -> Counter[tuple]:
    """``(metric, (dimension, value)...)`` -> count, of what was written since the last call.

    Each document must be in the ``ApiSales`` namespace, carry the stack's ``service`` and
    declare exactly the dimensions it carries (what CloudWatch indexes, so what alarms and the
    dashboard can find)."""
    seen: Counter[tuple] = Counter()
    for document in emf_records(capsys.readouterr().out):
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        (dimension_names,) = directive["Dimensions"]
        assert document[SERVICE] == STACK
        extra = tuple(sorted((d, document[d]) for d in dimension_names if d != SERVICE))
        assert SERVICE in dimension_names
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            value = document[metric["Name"]]  # Powertools writes a list of values
            values = value if isinstance(value, list) else [value]
            seen[(metric["Name"], *extra)] += int(sum(values))
    return seen
