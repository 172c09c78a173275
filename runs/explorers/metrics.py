"""The Metrics explorer's reads: the series a query selects, their points
downsampled and aligned on x, and the answers of `metrics/names`,
`metrics/search` and `metrics/aggregate` (docs/architecture.md, "Explorers").

Points come from each series' overview (runs.overview), one small row per
series kept at ingest, so a search over 800 series of 100,000 points reads
about 1.6M points instead of 80M. Only a request for more points than an
overview holds reads the chunks, all of them in one query. The number of SQL
queries never depends on the number of series.
"""

import json
from dataclasses import dataclass, field

import numpy as np
import orjson
from django.db.models import Count, Min, Prefetch, QuerySet

from aimsite.npz import archive_bytes
from runs import overview as overviews
from runs.contexts import context_key
from runs.explorers.grouping import KeySource, Line, aggregate, group_key, key_identity
from runs.explorers.grouping import key_order as group_order
from runs.metrics import NULL_EPOCH, Points, downsample, finite_or_none
from runs.models import MetricSeries, Run
from runs.points import read_many, values_at_steps
from runs.query import filter_series
from tags.models import Tag, visible_chips

MAX_SERIES = 1000
X_AXES = ("step", "epoch", "relative_time", "absolute_time", "metric")
# The point columns `metrics/search` can send; all of them unless `fields=` names fewer.
POINT_FIELDS = ("steps", "values", "epochs", "times")


@dataclass
class XAxis:
    """What a point's x is: `kind` from X_AXES; for "metric", which series."""

    kind: str = "step"
    metric: str = ""
    context: dict = field(default_factory=dict)


def _filter_series(text: str) -> QuerySet:
    """The series the query selects (`metric.*` and `run.*`; no system series
    unless the query names them)."""
    return filter_series(MetricSeries.objects.all(), text)


def metric_names(text: str) -> list[dict]:
    """Name+context pairs of the selected series, with how many runs have each."""
    return name_context_pairs(_filter_series(text))


def name_context_pairs(sequences: QuerySet) -> list[dict]:
    """The distinct name+context pairs of a queryset of sequences (metric series
    or object sequences: both have `name`, `context_key` and `run_id`), with how
    many runs have each: the explorers' `+ Metrics` / `+ Images` pickers."""
    rows = (
        sequences.order_by()
        .values("name", "context_key")
        .annotate(runs=Count("run_id", distinct=True))
    )
    # The empty context first, then by its JSON text (as the database would not:
    # '{"' sorts before '{}').
    rows = sorted(
        rows,
        key=lambda row: (row["name"], row["context_key"] != "{}", row["context_key"]),
    )
    return [
        {
            "name": row["name"],
            "context": json.loads(row["context_key"]),
            "runs": row["runs"],
        }
        for row in rows
    ]


def series_page(text: str, *, after: int | None, limit: int) -> dict:
    """The `metrics/series` answer: the series the query selects, without their
    points, in id order from after `after`, at most `limit`; `next` is the
    `after` of the next page (None on the last). Pages through any number of
    series, where `search` stops at MAX_SERIES (the SDK's `query_metrics`).

    Raises QueryError for a bad query.
    """
    series = _filter_series(text)
    if after is not None:
        series = series.filter(id__gt=after)
    rows = list(
        series.select_related("run__experiment")
        .defer("overview", "run__meta", "run__description")
        .order_by("id")[: limit + 1]
    )
    page = rows[:limit]
    return {
        "series": [{"run": row.run.as_brief(), **row.as_summary()} for row in page],
        "next": page[-1].id if len(rows) > limit else None,
    }


@dataclass
class SeriesRow:
    """A selected series without its points, and its run."""

    id: int
    run: Run
    name: str
    context: dict
    count: int
    last: float | None
    last_step: int | None


@dataclass
class AlignedSeries:
    series: SeriesRow
    points: Points  # downsampled, only points that have an x
    x: np.ndarray  # float64, one per point


def select_series(text: str, limit: int = MAX_SERIES) -> tuple[list[SeriesRow], bool]:
    """At most `limit` series for the query (newest runs first) and whether more
    match. Three queries: the series, their runs, the runs' tags."""
    # Plain rows, no overview blobs: sorting 800 rows that carry 40 KB each costs
    # SQLite more than the whole answer, and a model instance per series (with its
    # run and experiment) costs Django as much again.
    rows = list(
        _filter_series(text)
        .order_by("-run__created_at", "-run_id", "name", "context_key")
        .values_list("id", "run_id", "name", "context", "count", "last", "last_step")[
            : limit + 1
        ]
    )
    runs = (
        Run.objects.filter(id__in={row[1] for row in rows[:limit]})
        .select_related("experiment")
        .defer("meta", "description")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )
    runs_by_id = {run.id: run for run in runs}
    selected = [
        SeriesRow(id_, runs_by_id[run_id], name, context, count, last, last_step)
        for id_, run_id, name, context, count, last, last_step in rows[:limit]
    ]
    return selected, len(rows) > limit


def downsampled_points(series_list: list[SeriesRow], points: int) -> dict[int, Points]:
    """Each series downsampled to about `points` points, keeping extremes."""
    blobs = dict(
        MetricSeries.objects.filter(id__in=[series.id for series in series_list])
        .order_by()
        .values_list("id", "overview")
    )
    result: dict[int, Points] = {}
    from_chunks: list[int] = []
    for series in series_list:
        sample = overviews.serving_sample(blobs.get(series.id), series.count, points)
        if sample is not None:
            result[series.id] = sample
        else:
            from_chunks.append(series.id)
    for series_id, raw in read_many(from_chunks).items():
        result[series_id] = downsample(raw, points)
    return result


def _run_starts(run_ids: set[int]) -> dict[int, float]:
    """Each run's earliest point time, over all its series (relative time's zero)."""
    rows = (
        MetricSeries.objects.filter(run_id__in=run_ids)
        .order_by()
        .values("run_id")
        .annotate(start=Min("first_time"))
    )
    return {row["run_id"]: row["start"] for row in rows if row["start"] is not None}


def _sorted_unique(parts: list[np.ndarray]) -> np.ndarray:
    steps = np.sort(np.concatenate(parts))
    if len(steps) < 2:
        return steps
    return steps[np.concatenate(([True], steps[1:] != steps[:-1]))]


def _x_metric_values(
    series_list: list[SeriesRow], sampled: dict[int, Points], x_axis: XAxis
) -> dict[int, np.ndarray]:
    """For each series, the x metric's value (of the same run) at each sampled step;
    NaN where the x metric has no point at that step. Only those values are read."""
    x_series_of_run = dict(
        MetricSeries.objects.filter(
            run_id__in={series.run.id for series in series_list},
            name=x_axis.metric,
            context_key=context_key(x_axis.context),
        ).values_list("run_id", "id")
    )
    wanted: dict[int, list[np.ndarray]] = {}
    for series in series_list:
        x_id = x_series_of_run.get(series.run.id)
        if x_id is not None:
            wanted.setdefault(x_id, []).append(sampled[series.id].steps)
    steps_of = {x_id: _sorted_unique(parts) for x_id, parts in wanted.items()}
    values_of = values_at_steps(steps_of)
    result = {}
    for series in series_list:
        steps = sampled[series.id].steps
        x_id = x_series_of_run.get(series.run.id)
        if x_id is None:
            result[series.id] = np.full(len(steps), np.nan)
        else:
            index = np.searchsorted(steps_of[x_id], steps)
            result[series.id] = values_of[x_id][index]
    return result


def aligned_series(
    series_list: list[SeriesRow], points: int, x_axis: XAxis
) -> list[AlignedSeries]:
    """Downsampled series with the x of each point; points without an x are dropped
    (no epoch logged, no wall time, or no x-metric point at that step)."""
    sampled = downsampled_points(series_list, points)
    run_ids = {series.run.id for series in series_list}
    starts = _run_starts(run_ids) if x_axis.kind == "relative_time" else {}
    x_values = (
        _x_metric_values(series_list, sampled, x_axis)
        if x_axis.kind == "metric"
        else {}
    )
    result = []
    for series in series_list:
        sample = sampled[series.id]
        if x_axis.kind == "step":
            x = sample.steps.astype(np.float64)
        elif x_axis.kind == "epoch":
            x = np.where(
                sample.epochs == NULL_EPOCH, np.nan, sample.epochs.astype(np.float64)
            )
        elif x_axis.kind == "absolute_time":
            x = sample.times
        elif x_axis.kind == "relative_time":
            x = sample.times - starts.get(series.run.id, np.nan)
        else:
            x = x_values[series.id]
        keep = np.flatnonzero(np.isfinite(x))
        if x_axis.kind == "metric":
            # x is another metric's value, in no particular order: draw along it.
            keep = keep[np.argsort(x[keep], kind="stable")]
        result.append(AlignedSeries(series, sample.take(keep), x[keep]))
    return result


def _series_payload(
    item: AlignedSeries, fields: tuple[str, ...], x_axis: XAxis
) -> dict:
    series, sample = item.series, item.points
    columns = {
        "steps": lambda: sample.steps,
        "values": lambda: sample.values,
        "epochs": lambda: np.where(
            sample.epochs == NULL_EPOCH, np.nan, sample.epochs.astype(np.float64)
        ),
        "times": lambda: sample.times,
    }
    payload = {
        "run": series.run.as_brief(),
        "id": series.id,
        "name": series.name,
        "context": series.context,
        "count": series.count,
        "last": finite_or_none(series.last),
        "last_step": series.last_step,
    }
    for name in fields:
        payload[name] = columns[name]()
    if sends_x(fields, x_axis):
        payload["x"] = item.x
    return payload


def sends_x(fields: tuple[str, ...], x_axis: XAxis) -> bool:
    """With x=step, x is the steps column: sent once (a fifth of the answer)."""
    return x_axis.kind != "step" or "steps" not in fields


def search_npz(answer: dict, fields: tuple[str, ...], x_axis: XAxis) -> bytes:
    """The `search` answer with its point columns as NumPy arrays in a zip
    (`Accept: application/x-npz`): `search.json` is the JSON answer without the
    columns; each column sent is one array of every series' points, series after
    series (steps int64; values, epochs, times and x float64, NaN where absent,
    ±infinity as tracked), and `offsets.npy` (int64, one more than the series)
    says where each series starts. A few big arrays, not 4 per series: the page
    reads them as typed arrays without parsing text."""
    names = [*fields, *(["x"] if sends_x(fields, x_axis) else [])]
    series = answer["series"]
    counts = [len(item[names[0]]) if names else 0 for item in series]
    arrays = {"offsets": np.concatenate(([0], np.cumsum(counts))).astype(np.int64)}
    for name in names:
        dtype = np.int64 if name == "steps" else np.float64
        parts = [np.asarray(item.pop(name), dtype) for item in series]
        arrays[name] = np.concatenate(parts) if parts else np.zeros(0, dtype)
    meta = orjson.dumps(answer, option=orjson.OPT_SERIALIZE_NUMPY)
    return archive_bytes(arrays, {"search.json": meta})


def search(
    text: str,
    *,
    points: int,
    x_axis: XAxis,
    user,
    fields: tuple[str, ...] = POINT_FIELDS,
) -> dict:
    """The `metrics/search` answer (numpy arrays inside; encode with orjson).

    `fields` are the point columns to send; `x` is left out when it is `steps`.
    Raises QueryError for a bad query.
    """
    series_list, truncated = select_series(text)
    items = aligned_series(series_list, points, x_axis)
    runs = {}
    for series in series_list:
        if series.run.hash not in runs:
            runs[series.run.hash] = series.run.as_explorer_entry(user)
    return {
        "series": [_series_payload(item, fields, x_axis) for item in items],
        "runs": runs,
        "truncated": truncated,
        "limit": MAX_SERIES,
    }


def _key_source(series: SeriesRow) -> KeySource:
    run = series.run
    return KeySource(
        run_hash=run.hash,
        run_name=run.name,
        experiment=run.experiment.name,
        tags=[chip["name"] for chip in visible_chips(run.tags.all())],
        params=run.params,
        metric_name=series.name,
        context=series.context,
    )


def aggregate_groups(
    text: str,
    *,
    points: int,
    x_axis: XAxis,
    fields: list[str],
    line: str,
    band: str,
) -> dict:
    """The `metrics/aggregate` answer: one aggregated line and band per group.

    Raises QueryError for a bad query.
    """
    series_list, truncated = select_series(text)
    groups: dict[bytes, tuple[dict, list[AlignedSeries]]] = {}
    for item in aligned_series(series_list, points, x_axis):
        key = group_key(fields, _key_source(item.series))
        groups.setdefault(key_identity(key), (key, []))[1].append(item)
    answer = []
    for key, members in sorted(
        groups.values(), key=lambda group: group_order(group[0])
    ):
        result = aggregate(
            [Line(item.x, item.points.values) for item in members], points, line, band
        )
        answer.append(
            {
                "key": key,
                "series": len(members),
                "runs": list(dict.fromkeys(item.series.run.hash for item in members)),
                "x": result.x,
                "line": result.line,
                "lower": result.lower,
                "upper": result.upper,
            }
        )
    return {"groups": answer, "truncated": truncated, "limit": MAX_SERIES}
