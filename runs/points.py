"""Read metric points back from chunks, for the points endpoint and pages."""

from collections import defaultdict
from collections.abc import Collection

import numpy as np
import orjson

from runs.metrics import NULL_EPOCH, Points, decode_chunk, downsample, sort_by_step
from runs.models import MetricChunk, MetricSeries


def read_points(
    series: MetricSeries,
    *,
    after_step: int | None = None,
    start_step: int | None = None,
    end_step: int | None = None,
) -> Points:
    chunks = MetricChunk.objects.filter(series=series)
    low = after_step + 1 if after_step is not None else start_step
    if low is not None:
        chunks = chunks.filter(last_step__gte=low)
    if end_step is not None:
        chunks = chunks.filter(first_step__lte=end_step)
    blobs = chunks.order_by("index").values_list("data", flat=True)
    points = sort_by_step(Points.concat([decode_chunk(blob) for blob in blobs]))
    if low is not None or end_step is not None:
        mask = np.ones(len(points), bool)
        if low is not None:
            mask &= points.steps >= low
        if end_step is not None:
            mask &= points.steps <= end_step
        points = points.take(np.flatnonzero(mask))
    return points


def read_page(series: MetricSeries, *, after_step: int | None, limit: int) -> Points:
    """The first `limit` points with a step above `after_step`, in step order, for
    paging through a series at full resolution (the SDK's read-back).

    A page ends on a whole step: every point of its last step is in it (a step
    tracked twice is never split across pages), so it may hold a few more than
    `limit`. Chunks are read in order of their first step and reading stops once
    `limit` points below the next chunk's first step are in hand, so a page costs
    about `limit` points of work wherever it starts.
    """
    low = after_step + 1 if after_step is not None else None
    chunks = MetricChunk.objects.filter(series=series)
    if low is not None:
        chunks = chunks.filter(last_step__gte=low)
    rows = chunks.order_by("first_step", "index").values_list("first_step", "data")
    parts: list[Points] = []
    for first_step, blob in rows.iterator(chunk_size=8):
        if parts and _count_in(parts, low, first_step) >= limit:
            break  # no later chunk holds a step below first_step
        parts.append(decode_chunk(blob))
    points = sort_by_step(Points.concat(parts))
    if low is not None:
        points = points.take(np.flatnonzero(points.steps >= low))
    if len(points) > limit:
        last = points.steps[limit - 1]
        points = points.slice(0, int(np.searchsorted(points.steps, last, "right")))
    return points


def _count_in(parts: list[Points], low: int | None, below: int) -> int:
    """Points of `parts` with low <= step < below."""
    total = 0
    for part in parts:
        inside = part.steps < below
        if low is not None:
            inside &= part.steps >= low
        total += int(np.count_nonzero(inside))
    return total


def read_many(series_ids: Collection[int]) -> dict[int, Points]:
    """Every point of many series in one query, each series in step order."""
    if not series_ids:
        return {}
    parts: dict[int, list[Points]] = defaultdict(list)
    chunks = (
        MetricChunk.objects.filter(series_id__in=series_ids)
        .order_by("series_id", "index")
        .values_list("series_id", "data")
    )
    for series_id, blob in chunks:
        parts[series_id].append(decode_chunk(blob))
    return {
        series_id: sort_by_step(Points.concat(parts.get(series_id, [])))
        for series_id in series_ids
    }


def points_json(
    points: Points, max_points: int = 0, *, infinity_strings: bool = False
) -> bytes:
    """Columns as JSON; non-finite values and absent epochs/times become null,
    except that with `infinity_strings` ±infinity is written "Infinity" and
    "-Infinity" (NaN stays null), so a reader gets back what was tracked."""
    if max_points:
        points = downsample(points, max_points)
    epochs = points.epochs
    if np.any(epochs == NULL_EPOCH):
        epochs = np.where(epochs == NULL_EPOCH, np.nan, epochs.astype(np.float64))
    values = points.values
    infinite = np.flatnonzero(np.isinf(values)) if infinity_strings else []
    if len(infinite):
        values = values.tolist()  # a list, to hold strings among the numbers
        for index in infinite.tolist():
            values[index] = "Infinity" if values[index] > 0 else "-Infinity"
    return orjson.dumps(
        {
            "count": len(points),
            "steps": points.steps,
            "values": values,
            "epochs": epochs,
            "times": points.times,
        },
        option=orjson.OPT_SERIALIZE_NUMPY,
    )
