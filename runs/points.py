"""Read metric points back from chunks, for the points endpoint and pages."""

import io
import zipfile
from collections import defaultdict
from collections.abc import Collection

import numpy as np
import orjson
from django.db.models import BinaryField, F
from django.db.models.functions import Substr

from runs.metrics import (
    NULL_EPOCH,
    Points,
    decode_chunk,
    decode_steps_values,
    downsample,
    has_step_range,
    sort_by_step,
    steps_values_prefix_length,
)
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


def _steps_values_of(series_ids: Collection[int]) -> dict[int, list[tuple]]:
    """Each series' chunks as (steps, values), in chunk order. Reads a chunk only up
    to its values (no epochs, no times) when its steps are a range, and the few
    other chunks whole: two queries whatever the number of series."""
    prefix = Substr(
        "data",
        1,
        F("count") * 8 + steps_values_prefix_length(0),
        output_field=BinaryField(),
    )
    rows = (
        MetricChunk.objects.filter(series_id__in=series_ids)
        .annotate(prefix=prefix)
        .values_list("id", "series_id", "index", "prefix")
    )
    parts: dict[int, list[tuple]] = defaultdict(list)
    irregular = []
    for chunk_id, series_id, index, blob in rows:
        blob = bytes(blob)
        if has_step_range(blob):
            parts[series_id].append((index, *decode_steps_values(blob)))
        else:
            irregular.append(chunk_id)
    for series_id, index, blob in MetricChunk.objects.filter(
        id__in=irregular
    ).values_list("series_id", "index", "data"):
        parts[series_id].append((index, *decode_steps_values(bytes(blob))))
    return {
        series_id: [
            (steps, values) for _, steps, values in sorted(chunks, key=lambda c: c[0])
        ]
        for series_id, chunks in parts.items()
    }


def values_at_steps(wanted: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Each series' value at each of its wanted steps (sorted, unique), NaN where it
    has no point at that step; a step logged twice gives its first value.

    Reads only steps and values (see _steps_values_of): custom-metric x alignment
    needs ~500 values of a 100,000-point series, and no epochs or times.
    """
    result = {
        series_id: np.full(len(steps), np.nan) for series_id, steps in wanted.items()
    }
    for series_id, chunks in _steps_values_of(list(wanted)).items():
        targets = wanted[series_id]
        found = np.zeros(len(targets), bool)
        for steps, values in chunks:
            position, hit = _positions(steps, targets)
            hit &= ~found
            result[series_id][hit] = values[position[hit]]
            found |= hit
    return result


def _positions(steps, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each target step is in a chunk's steps (the first such point), and
    whether it is there at all. `steps` is an array or (start, stride, count)."""
    if isinstance(steps, tuple):
        start, stride, count = steps
        if stride == 0:  # one point, or a step repeated: the first one counts
            return np.zeros(len(targets), np.int64), (targets == start) & (count > 0)
        offset = targets - start
        position = offset // stride
        hit = (offset % stride == 0) & (position >= 0) & (position < count)
        return np.where(hit, position, 0), hit
    order = np.argsort(steps, kind="stable")
    position = np.minimum(
        np.searchsorted(steps[order], targets), max(len(steps) - 1, 0)
    )
    hit = (
        steps[order][position] == targets
        if len(steps)
        else np.zeros(len(targets), bool)
    )
    return (order[position] if len(steps) else position), hit


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


def points_npz(points: Points, max_points: int = 0) -> bytes:
    """The same columns as `points_json`, as NumPy `.npy` arrays in a zip
    (`numpy.load` reads it): steps int64, values, epochs and times float64
    (an absent epoch or time is NaN; ±infinity and NaN stay as tracked).
    Stored, not compressed: the point is to skip text, not to spend CPU."""
    if max_points:
        points = downsample(points, max_points)
    epochs = points.epochs.astype(np.float64)
    epochs[points.epochs == NULL_EPOCH] = np.nan
    columns = {
        "steps": np.ascontiguousarray(points.steps, np.int64),
        "values": np.ascontiguousarray(points.values, np.float64),
        "epochs": epochs,
        "times": np.ascontiguousarray(points.times, np.float64),
    }
    return npz_bytes(columns)


def npz_bytes(
    arrays: dict[str, np.ndarray], files: dict[str, bytes] | None = None
) -> bytes:
    """An uncompressed zip of `<name>.npy` for each array (what `numpy.load`
    reads), plus any other `files` as they are (numpy.load gives their bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in (files or {}).items():
            archive.writestr(name, data)
        for name, column in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, column, allow_pickle=False)
    return buffer.getvalue()
