"""Hints for a query that is valid but reads a metric the way it was never tracked.

`run.metrics["loss"].last < 0.3` reads the series of "loss" with the empty
context, as in Aim. When "loss" was only tracked with contexts (`{"subset":
"train"}`), that query silently selects nothing; a hint says which contexts
exist and gives the query rewritten for each
(`run.metrics["loss", {"subset": "train"}].last < 0.3`). The explorers show the
hints under their search bar (static/js/lib/query_hints.js).
"""

import json
from dataclasses import dataclass

from runs.contexts import context_key
from runs.models import MetricSeries
from runs.query.nodes import BoolOp, Compare, Metric, Not, QueryError, Truthy
from runs.query.parser import parse

MAX_CONTEXTS = 8


@dataclass
class ContextHint:
    metric: str
    position: int
    contexts: list[dict]  # {"context": {...}, "label": "subset=train", "query": "..."}


def aimql_value(value: object) -> str:
    """A context value as an AimQL (Python) literal."""
    if value is None or isinstance(value, bool):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def aimql_context(context: dict) -> str:
    items = ", ".join(
        f"{json.dumps(key, ensure_ascii=False)}: {aimql_value(value)}"
        for key, value in context.items()
    )
    return "{" + items + "}"


def context_label(context: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in context.items())


def _metrics_without_context(node: object) -> list[Metric]:
    """The `run.metrics["name"]` reads (no context written) in a parsed query."""
    if isinstance(node, BoolOp):
        return [
            found for item in node.operands for found in _metrics_without_context(item)
        ]
    if isinstance(node, Not | Truthy):
        return _metrics_without_context(node.operand)
    if isinstance(node, Compare):
        return [
            side
            for side in (node.left, node.right)
            if isinstance(side, Metric) and side.context_at >= 0
        ]
    return []


def _rewrite(text: str, reads: list[Metric], context: dict) -> str:
    """The query with `, {context}` added to each of these reads (right to left,
    so the earlier columns stay right)."""
    insert = f", {aimql_context(context)}"
    for read in sorted(reads, key=lambda read: read.context_at, reverse=True):
        text = text[: read.context_at] + insert + text[read.context_at :]
    return text


def context_hints(
    text: str, subjects: frozenset[str] = frozenset({"run"})
) -> list[ContextHint]:
    """One hint per metric name the query reads without a context when no series
    of that name has the empty context but some have others. A query that does
    not parse gets no hints (its error says what is wrong)."""
    try:
        parsed = parse(text or "", subjects)
    except QueryError:
        return []
    by_name: dict[str, list[Metric]] = {}
    for read in _metrics_without_context(parsed.root):
        by_name.setdefault(read.name, []).append(read)
    hints = []
    empty = context_key({})
    for name, reads in by_name.items():
        series = MetricSeries.objects.filter(name=name)
        if series.filter(context_key=empty).exists():
            continue
        keys = (
            series.order_by("context_key")
            .values_list("context_key", flat=True)
            .distinct()[:MAX_CONTEXTS]
        )
        contexts = [json.loads(key) for key in keys]
        if not contexts:
            continue
        hints.append(
            ContextHint(
                metric=name,
                position=min(read.position for read in reads),
                contexts=[
                    {
                        "context": context,
                        "label": context_label(context),
                        "query": _rewrite(text, reads, context),
                    }
                    for context in contexts
                ],
            )
        )
    return hints
