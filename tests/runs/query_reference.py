"""A Python-side reference evaluator for run queries: the ground truth the SQL
compiler is checked against. It walks the same parsed AST with plain Python
semantics (a missing value is None; a number never equals a string or a bool).

Sequence queries (`metric.name == "loss"`, `images.context.subset == "val"`)
are evaluated per sequence: the row is the run's snapshot plus the sequence
under the subject's name (`row["metric"]`, `row["images"]`).
"""

import re
from datetime import UTC, datetime

from runs.contexts import context_key
from runs.query.nodes import (
    BoolOp,
    Compare,
    Constant,
    DateFormat,
    DatePart,
    Field,
    Literal,
    Metric,
    Not,
    Param,
    StringTest,
    Transform,
    Truthy,
)
from runs.query.parser import to_datetime


def snapshot(run, now: datetime) -> dict:
    """Everything a query can read, fetched the slow obvious way."""
    end = run.finished_at or (now if run.status == "active" else run.updated_at)
    return {
        "hash": run.hash,
        "name": run.name,
        "description": run.description,
        "experiment": run.experiment.name,
        "status": run.status,
        "archived": run.is_archived,
        "active": run.status == "active",
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "updated_at": run.updated_at,
        "duration": max((end - run.created_at).total_seconds(), 0.0),
        "tags": [tag.name for tag in run.tags.all() if not tag.is_archived],
        "params": run.params,
        "meta": run.meta,
        "metrics": {
            (series.name, series.context_key): {
                "first": series.first,
                "last": series.last,
                "min": series.min,
                "max": series.max,
                "count": series.count,
                "first_step": series.first_step,
                "last_step": series.last_step,
            }
            for series in run.metrics.all()
        },
    }


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def series_rows(run: dict, series_list) -> list[dict]:
    """One row per series of a run: what a sequence query can read about it."""
    return [
        {
            **run,
            "metric": {
                "id": series.id,
                "name": series.name,
                "context": series.context,
                "first": series.first,
                "last": series.last,
                "min": series.min,
                "max": series.max,
                "count": series.count,
                "first_step": series.first_step,
                "last_step": series.last_step,
            },
        }
        for series in series_list
    ]


def object_sequence_rows(run: dict, sequences, subject: str) -> list[dict]:
    """One row per object sequence of a run, under its subject's name
    ("images"…): what a media sequence query can read about it."""
    return [
        {
            **run,
            subject: {
                "id": sequence.id,
                "name": sequence.name,
                "context": sequence.context,
                "count": sequence.count,
                "first_step": sequence.first_step,
                "last_step": sequence.last_step,
            },
        }
        for sequence in sequences
    ]


def _not_nan(value):
    return None if isinstance(value, float) and value != value else value


def _value(operand, run: dict):
    if isinstance(operand, Field) and operand.subject != "run":
        return _not_nan(run[operand.subject][operand.name])
    if isinstance(operand, Field):
        return run[operand.name]
    if isinstance(operand, Param):
        value = (
            run[operand.subject]["context"]
            if operand.subject != "run"
            else run[operand.source]
        )
        for key in operand.path:
            if (
                isinstance(key, int) and isinstance(value, list) and key < len(value)
            ) or (isinstance(key, str) and isinstance(value, dict) and key in value):
                value = value[key]
            else:
                return None
        return value
    if isinstance(operand, Metric):
        series = run["metrics"].get((operand.name, context_key(operand.context)))
        return _not_nan(series.get(operand.attribute) if series else None)
    if isinstance(operand, DatePart | DateFormat):
        moment = run[operand.column]
        if moment is None:
            return None
        moment = moment.astimezone(UTC)  # the language reads datetimes in UTC
        if isinstance(operand, DateFormat):
            return moment.strftime(operand.format)
        if operand.part in ("weekday", "isoweekday"):
            return getattr(moment, operand.part)()
        return getattr(moment, operand.part)
    if isinstance(operand, Transform):
        inner = _value(operand.operand, run)
        if not isinstance(inner, str):
            return None
        return inner.lower() if operand.function == "lower" else inner.upper()
    raise AssertionError(operand)


def _equals(left, right, is_datetime: bool) -> bool:
    if isinstance(right, dict):
        # An exact context: the same canonical JSON (the key series are stored under).
        return isinstance(left, dict) and context_key(left) == context_key(right)
    if is_datetime:
        if right is None:
            return left is None
        return left is not None and left == to_datetime(right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _number(left) and _number(right):
        return left == right
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    return False


_ORDER = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _order(op: str, left, right, is_datetime: bool) -> bool:
    if is_datetime:
        return left is not None and _ORDER[op](left, to_datetime(right))
    if _number(left) and _number(right):
        return _ORDER[op](left, right)
    if isinstance(left, str) and isinstance(right, str):
        return _ORDER[op](left, right)
    return False


def evaluate(node, run: dict) -> bool:
    if isinstance(node, Constant):
        return node.value
    if isinstance(node, BoolOp):
        results = [evaluate(item, run) for item in node.operands]
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not evaluate(node.operand, run)
    if isinstance(node, Truthy):
        return bool(_value(node.operand, run))
    if isinstance(node, StringTest):
        value = _value(node.operand, run)
        if not isinstance(value, str):
            return False
        if node.function == "startswith":
            return value.startswith(node.argument)
        if node.function == "endswith":
            return value.endswith(node.argument)
        search = re.match if node.function == "re.match" else re.search
        return bool(search(node.argument, value))
    if isinstance(node, Compare):
        return _compare(node, run)
    raise AssertionError(node)


def _compare(node: Compare, run: dict) -> bool:
    is_datetime = isinstance(node.left, Field) and node.left.kind == "datetime"
    if node.op in ("in", "notin"):
        if isinstance(node.right, Literal):
            left = _value(node.left, run)
            result = any(_equals(left, item, is_datetime) for item in node.right.value)
        else:
            haystack = _value(node.right, run)
            needle = node.left.value
            if isinstance(node.right, Field) and node.right.kind == "tags":
                result = needle in haystack
            elif isinstance(haystack, dict) and isinstance(node.right, Param):
                # "subset" in metric.context tests the keys, as Python does;
                # run params stay substring tests of text values.
                result = node.right.source == "context" and needle in haystack
            else:
                result = isinstance(haystack, str) and needle in haystack
        return not result if node.op == "notin" else result
    left = _value(node.left, run)
    right = node.right.value
    if node.op in ("==", "is"):
        return _equals(left, right, is_datetime)
    if node.op in ("!=", "isnot"):
        return not _equals(left, right, is_datetime)
    return _order(node.op, left, right, is_datetime)
