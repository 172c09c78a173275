"""Completions for the runs search bar: run fields, param paths, metric names.

Param paths come from the most recent runs (a sample, not every run: the keys
of a project change slowly) and the list is cached briefly per process.
"""

import json
import time

from aimsite.values import flatten
from runs.models import SYSTEM_METRIC_PREFIX, MetricSeries, Run
from runs.query.parser import FIELDS

SAMPLE_RUNS = 500
MAX_METRICS = 500
CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, dict]] = {}


def _param_expression(path: tuple) -> str:
    if all(
        isinstance(key, str) and key.isidentifier() and not key.startswith("_")
        for key in path
    ):
        return "run." + ".".join(path)
    return "run[" + ", ".join(json.dumps(key) for key in path) + "]"


def _metric_expression(name: str, context_key: str) -> str:
    if context_key == "{}":
        return f"run.metrics[{json.dumps(name)}].last"
    return f"run.metrics[{json.dumps(name)}, {context_key}].last"


def query_suggestions() -> dict:
    cached = _cache.get("all")
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    paths: set[tuple] = set()
    for params in Run.objects.order_by("-created_at").values_list("params", flat=True)[
        :SAMPLE_RUNS
    ]:
        paths.update(flatten(params))
    metrics = (
        MetricSeries.objects.exclude(name__startswith=SYSTEM_METRIC_PREFIX)
        .values_list("name", "context_key")
        .distinct()
        .order_by("name", "context_key")[:MAX_METRICS]
    )
    result = {
        "fields": [f"run.{name}" for name in FIELDS],
        "params": sorted(_param_expression(path) for path in paths),
        "metrics": [_metric_expression(name, context) for name, context in metrics],
    }
    _cache["all"] = (time.monotonic(), result)
    return result
