"""Completions for the explorers' search bars: run fields, param paths, metric
names, and with the `metric` subject (the Metrics explorer) the sequence fields
`metric.name`, `metric.context.<key>` for the keys seen, and the summaries.

Param paths come from the most recent runs (a sample, not every run: the keys
of a project change slowly) and the list is cached briefly per process.
"""

import json
import time

from aimsite.values import flatten
from runs.models import SYSTEM_METRIC_PREFIX, MetricSeries, Run
from runs.query.parser import FIELDS
from runs.query.subjects import DATE_METHODS, DATE_PARTS, RUN_FIELDS, SEQUENCE_SUBJECTS

SAMPLE_RUNS = 500
MAX_METRICS = 500
CACHE_SECONDS = 30.0
_cache: dict[frozenset, tuple[float, dict]] = {}


def parse_subjects(text: str | None) -> frozenset[str]:
    """`run,metric` -> {"run", "metric"}; `run` is always there. Raises ValueError."""
    names = {name.strip() for name in (text or "").split(",") if name.strip()}
    known = {"run", *SEQUENCE_SUBJECTS}
    unknown = sorted(names - known)
    if unknown:
        raise ValueError(
            f"unknown subject {unknown[0]!r:.40}; subjects are "
            f"{', '.join(sorted(known))}"
        )
    return frozenset(names | {"run"})


def param_expression(path: tuple) -> str:
    """A param path as AimQL: run.hparams.lr, or run["key", "sub"] when a key is
    not an identifier."""
    if all(
        isinstance(key, str) and key.isidentifier() and not key.startswith("_")
        for key in path
    ):
        return "run." + ".".join(path)
    return "run[" + ", ".join(json.dumps(key) for key in path) + "]"


def _python_literal(value: object) -> str:
    # JSON spells None, True and False differently; strings and numbers agree.
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    return json.dumps(value)


def metric_expression(name: str, context_key: str, attribute: str = "last") -> str:
    """A metric summary as AimQL: run.metrics["loss", {"subset":"val"}].last."""
    context = json.loads(context_key)
    if not context:
        return f"run.metrics[{json.dumps(name)}].{attribute}"
    literal = ",".join(
        f"{json.dumps(key)}:{_python_literal(value)}" for key, value in context.items()
    )
    return f"run.metrics[{json.dumps(name)}, {{{literal}}}].{attribute}"


# The datetime fields whose parts the search bar offers (Aim's names; the aliases
# `creation_time` and `finalized_at` read the same columns).
DATE_FIELDS = ("created_at", "end_time", "updated_at")


def run_fields() -> list[str]:
    """`run.<field>` for every run field, then the parts of its datetimes."""
    fields = [f"run.{name}" for name in FIELDS]
    for name in DATE_FIELDS:
        assert RUN_FIELDS[name][1] == "datetime", name
        fields += [f"run.{name}.{part}" for part in DATE_PARTS]
        fields += [f"run.{name}.{method}()" for method in DATE_METHODS]
        fields.append(f'run.{name}.strftime("%Y-%m-%d")')
    return fields


def _context_expression(key: str) -> str:
    if key.isidentifier() and not key.startswith("_"):
        return f"metric.context.{key}"
    return f"metric.context[{json.dumps(key)}]"


def _metric_subject(metrics: list[tuple[str, str]]) -> dict:
    """The `metric.` completions, from the series' names and contexts."""
    context_keys = {key for _name, context in metrics for key in json.loads(context)}
    names = sorted({name for name, _context in metrics})
    return {
        "fields": [
            f"metric.{attribute}" for attribute in SEQUENCE_SUBJECTS["metric"].fields
        ],
        "params": [_context_expression(key) for key in sorted(context_keys)],
        "metrics": [f"metric.name == {json.dumps(name)}" for name in names],
    }


def query_suggestions(subjects: frozenset[str] = frozenset({"run"})) -> dict:
    """{"fields", "params", "metrics"}: expressions the search bar offers."""
    cached = _cache.get(subjects)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    paths: set[tuple] = set()
    for params in Run.objects.order_by("-created_at").values_list("params", flat=True)[
        :SAMPLE_RUNS
    ]:
        paths.update(flatten(params))
    metrics = list(
        MetricSeries.objects.exclude(name__startswith=SYSTEM_METRIC_PREFIX)
        .values_list("name", "context_key")
        .distinct()
        .order_by("name", "context_key")[:MAX_METRICS]
    )
    result = {
        "fields": run_fields(),
        "params": sorted(param_expression(path) for path in paths),
        "metrics": [metric_expression(name, context) for name, context in metrics],
    }
    if "metric" in subjects:
        # Sequence fields first: they are what a Metrics explorer query starts with.
        for group, values in _metric_subject(metrics).items():
            result[group] = values + result[group]
    _cache[subjects] = (time.monotonic(), result)
    return result
