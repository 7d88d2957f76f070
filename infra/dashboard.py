"""The CloudWatch dashboard body: the business metrics, then one graph per alarm.

Built from the metric vocabulary (handlers/apisales/business_metrics.py) and the alarm
specs (infra/alarms.py), so the dashboard cannot drift from what is emitted and alarmed.
The body format is CloudWatch's "Dashboard Body Structure and Syntax" reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from infra.alarms import AlarmSpec, MetricRef
from infra.metric_vocabulary import vocabulary

WIDTH = 24  # the dashboard grid is 24 columns wide
GRAPH_WIDTH, GRAPH_HEIGHT = 8, 6


def dashboard_body(
    region: pulumi.Input[str],
    metrics_service: pulumi.Input[str],
    specs: Sequence[AlarmSpec],
    alarm_arns: Sequence[pulumi.Input[str]],
    period_s: int,
) -> pulumi.Output[str]:
    """The body as JSON, once every name and ARN it mentions is known."""
    widgets: list[dict[str, Any]] = [_text("# Sales\nBusiness events, from the functions' "
                                           "metrics (docs/operations.md).")]  # fmt: skip
    widgets += _business_widgets(metrics_service, period_s)
    widgets.append(_text("# Health\nOne graph per alarm; the line is its threshold."))
    widgets.append({
        "type": "alarm", "width": WIDTH, "height": 4,
        "properties": {"title": "Alarms", "alarms": list(alarm_arns)},
    })  # fmt: skip
    widgets += [_alarm_graph(spec) for spec in specs]
    _lay_out(widgets)
    for widget in widgets:
        if widget["type"] in ("metric", "alarm"):
            widget["properties"]["region"] = region
    return pulumi.Output.from_input({"widgets": widgets}).apply(
        lambda body: json.dumps(body, separators=(",", ":"), sort_keys=True)
    )


def _business_widgets(service: pulumi.Input[str], period_s: int) -> list[dict[str, Any]]:
    names = vocabulary()
    metric, ns, dim = names.Metric, names.NAMESPACE, names.SERVICE

    def line(name: str, **dimensions: pulumi.Input[str]) -> list[Any]:
        flat: list[Any] = [ns, name, dim, service]
        for key, value in dimensions.items():
            flat += [key, value]
        label = " ".join([name, *(str(v) for v in dimensions.values())])
        return [*flat, {"stat": "Sum", "label": label}]

    def graph(title: str, lines: list[list[Any]]) -> dict[str, Any]:
        return _graph(title, lines, period_s)

    causes = names.DIMENSION_VALUES[names.CAUSE]
    by_type = (
        f"SEARCH('{{{ns},{dim},{names.EVENT_TYPE},{names.OUTCOME}}} "
        f'MetricName="{metric.WEBHOOK_EVENTS.value}" {dim}="__SERVICE__"\', \'Sum\', {period_s})'
    )
    webhook_events = pulumi.Output.from_input(service).apply(
        lambda s: by_type.replace("__SERVICE__", s)
    )
    return [
        graph("Sign-ups and keys", [line(metric.SIGN_UPS.value), line(metric.KEYS_ISSUED.value)]),
        graph("Checkouts", [line(metric.CHECKOUTS_STARTED.value),
                            line(metric.CHECKOUTS_COMPLETED.value)]),
        graph("Plan changes by cause",
              [line(metric.PLAN_CHANGES.value, **{names.CAUSE: c}) for c in causes]),
        graph("Stripe events by type and outcome",
              [[{"expression": webhook_events, "id": "events",
                 "label": metric.WEBHOOK_EVENTS.value}]]),
        graph("Reconciliation sweep", [line(metric.SWEEP_RUNS.value),
                                       line(metric.SWEEP_CORRECTIONS.value)]),
        graph("Quota mails sent", [line(metric.QUOTA_MAILS_SENT.value)]),
    ]  # fmt: skip


def _alarm_graph(spec: AlarmSpec) -> dict[str, Any]:
    if spec.metric is not None:
        lines = [_metric_line(spec.metric, {"stat": spec.metric.stat})]
    else:
        lines = [[{"expression": spec.expression, "id": "alarmed", "label": spec.title}]]
        lines += [
            _metric_line(m, {"stat": m.stat, "id": metric_id, "visible": False})
            for metric_id, m in spec.metrics.items()
        ]
    # The alarm's name ends with its key: a mail's alarm name finds its graph.
    widget = _graph(f"{spec.title} ({spec.key})", lines, spec.period_s)
    widget["properties"]["annotations"] = {
        "horizontal": [{"label": f"alarm {spec.comparison} {spec.threshold:g}",
                        "value": spec.threshold}]
    }  # fmt: skip
    return widget


def _metric_line(metric: MetricRef, options: Mapping[str, Any]) -> list[Any]:
    flat: list[Any] = [metric.namespace, metric.name]
    for key, value in metric.dimensions.items():
        flat += [key, value]
    return [*flat, dict(options)]


def _graph(title: str, lines: list[list[Any]], period_s: int) -> dict[str, Any]:
    return {
        "type": "metric", "width": GRAPH_WIDTH, "height": GRAPH_HEIGHT,
        "properties": {"title": title, "view": "timeSeries", "stacked": False,
                       "period": period_s, "metrics": lines},
    }  # fmt: skip


def _text(markdown: str) -> dict[str, Any]:
    return {"type": "text", "width": WIDTH, "height": 2, "properties": {"markdown": markdown}}


def _lay_out(widgets: list[dict[str, Any]]) -> None:
    """Left to right, top to bottom: explicit x/y so the layout never depends on order."""
    x = y = row_height = 0
    for widget in widgets:
        if x + widget["width"] > WIDTH:
            x, y, row_height = 0, y + row_height, 0
        widget["x"], widget["y"] = x, y
        x += widget["width"]
        row_height = max(row_height, widget["height"])
