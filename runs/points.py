"""Read metric points back from chunks, for the points endpoint and pages."""

import tempfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import orjson
from django.db.models import BinaryField, F
from django.db.models.functions import Substr

from aimsite import npz
from runs.metrics import (
    CHUNK_SIZE,
    NULL_EPOCH,
    Points,
    decode_chunk,
    decode_chunk_into,
    decode_steps_values,
    downsample,
    has_step_range,
    sort_by_step,
    steps_values_prefix_length,
)
from runs.models import MetricChunk, MetricSeries

# A streamed read decodes this many points at a time (32 chunks: 4 MiB of
# columns), so its memory stays a few batches whatever the series' length.
BATCH_POINTS = 32 * CHUNK_SIZE
# A read of several batches is one pass over the chunks: the answer's first
# column goes out as it is read and each other column waits its turn in a
# spool that keeps this much in memory and the rest in a temporary file.
SPOOL_BYTES = 1024 * 1024
SPOOL_BLOCK = 256 * 1024

# An answer's column written from a batch of points, as bytes.
Encoder = Callable[[Points], bytes]
# Each encoder's bytes over every point, as one iterable per encoder, to be
# read in the encoders' order.
Columns = Callable[[Sequence[Encoder]], list[Iterable[bytes]]]


@dataclass
class _Group:
    """Chunks whose step ranges overlap, in index order: the unit that sorts by
    step on its own. One chunk, unless a resent batch landed late."""

    chunks: list[tuple[int, int, int]]  # (index, id, count)
    first_step: int
    last_step: int
    count: int
    points: Points | None = None  # decoded already: a group the step bounds cut


class SeriesRead:
    """A series' points with a step in [low, high], planned from the chunks'
    step ranges and counts (no data read) and then read batch by batch, in step
    order, as often as asked (an answer's columns are one pass: `columns`).
    Chunks appended to later are read up to the count planned, and chunks
    added later are left out, so every pass sees the same points."""

    def __init__(self, series_id: int, low: int | None, high: int | None):
        chunks = MetricChunk.objects.filter(series_id=series_id)
        if low is not None:
            chunks = chunks.filter(last_step__gte=low)
        if high is not None:
            chunks = chunks.filter(first_step__lte=high)
        groups: list[_Group] = []
        for chunk_id, index, first, last, count in chunks.order_by(
            "first_step", "index"
        ).values_list("id", "index", "first_step", "last_step", "count"):
            if groups and first <= groups[-1].last_step:
                group = groups[-1]
                group.chunks.append((index, chunk_id, count))
                group.last_step = max(group.last_step, last)
                group.count += count
            else:
                groups.append(_Group([(index, chunk_id, count)], first, last, count))
        for group in groups:
            group.chunks.sort()
            cut_low = low is not None and group.first_step < low
            if cut_low or (high is not None and group.last_step > high):
                points = _decode_groups([group])
                inside = np.ones(len(points), bool)
                if low is not None:
                    inside &= points.steps >= low
                if high is not None:
                    inside &= points.steps <= high
                group.points = points.take(np.flatnonzero(inside))
                group.count = len(group.points)
        self.count = sum(group.count for group in groups)
        self._batches: list[list[_Group]] = []
        filled = 0
        for group in groups:
            # a group larger than a batch is a batch of its own
            if not self._batches or filled + group.count > BATCH_POINTS:
                self._batches.append([])
                filled = 0
            self._batches[-1].append(group)
            filled += group.count
        self._only: Points | None = None

    @property
    def is_one_batch(self) -> bool:
        return len(self._batches) <= 1

    def batches(self) -> Iterator[Points]:
        """The points, a batch at a time, in step order. A read of one batch
        decodes it once and keeps it for the next pass."""
        if self.is_one_batch:
            if self._only is None:
                self._only = _decode_groups(self._batches[0] if self._batches else [])
            yield self._only
            return
        for batch in self._batches:
            yield _decode_groups(batch)

    def columns(self, encoders: Sequence[Encoder]) -> list[Iterable[bytes]]:
        """Each encoder's bytes over every point (a `Columns`), from one pass
        over the chunks: the first column as the batches are read, the others
        from spools filled meanwhile. Read them in order."""
        if self.is_one_batch:
            return [map(encode, self.batches()) for encode in encoders]
        return _OnePass(self.batches(), encoders).columns()

    def points(self) -> Points:
        """Every point at once, decoded into one set of columns."""
        if self.is_one_batch:
            return next(self.batches())
        out = Points.allocate(self.count)
        position = 0
        for batch in self._batches:
            _decode_groups(batch, out, position)
            position += sum(group.count for group in batch)
        return out


class _OnePass:
    """Batches read once into several columns: the first goes out as each
    batch comes, the others are spooled (SPOOL_BYTES in memory each, the rest
    on disk) and replayed after it."""

    def __init__(self, batches: Iterator[Points], encoders: Sequence[Encoder]):
        self._batches = batches
        self._first, *self._rest = encoders
        # closed once replayed; a file spilled to disk is unlinked already, so
        # an answer cut short leaves nothing behind when its spools are freed
        self._spools = [
            tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115
            for _ in self._rest
        ]
        self._read = False

    def columns(self) -> list[Iterable[bytes]]:
        return [self._read_all(), *map(self._replay, self._spools)]

    def _read_all(self) -> Iterator[bytes]:
        for points in self._batches:
            for spool, encode in zip(self._spools, self._rest, strict=True):
                spool.write(encode(points))
            yield self._first(points)
        self._read = True

    def _replay(self, spool) -> Iterator[bytes]:
        with spool:
            if not self._read:
                raise RuntimeError("a spooled column was read before the first")
            spool.seek(0)
            while block := spool.read(SPOOL_BLOCK):
                yield block


def _decode_groups(
    groups: list[_Group], out: Points | None = None, start: int = 0
) -> Points:
    """Decode groups (in step order) into `out` from `start`, or into new
    columns: one query for their chunks, each group sorted by step in place
    when it is not already (a stable sort, so a step logged twice keeps the
    order it was logged in)."""
    if out is None:
        out = Points.allocate(sum(group.count for group in groups))
    ids = [chunk_id for g in groups if g.points is None for _, chunk_id, _ in g.chunks]
    blobs = dict(MetricChunk.objects.filter(id__in=ids).values_list("id", "data"))
    position = start
    for group in groups:
        stop = position + group.count
        if group.points is not None:
            _copy_into(group.points, out, position)
            position = stop
            continue
        for _, chunk_id, count in group.chunks:
            if chunk_id not in blobs:
                raise SeriesChanged("a chunk of this series was deleted mid-read")
            decode_chunk_into(blobs[chunk_id], out, position, count)
            position += count
        steps = out.steps[stop - group.count : stop]
        if len(steps) > 1 and not np.all(steps[1:] >= steps[:-1]):
            order = np.argsort(steps, kind="stable")
            part = out.slice(stop - group.count, stop)
            _copy_into(part.take(order), out, stop - group.count)
    return out


def _copy_into(points: Points, out: Points, start: int) -> None:
    stop = start + len(points)
    out.steps[start:stop] = points.steps
    out.values[start:stop] = points.values
    out.epochs[start:stop] = points.epochs
    out.times[start:stop] = points.times


class SeriesChanged(Exception):
    """The series was deleted while its answer was being written."""


def read_points(
    series: MetricSeries,
    *,
    after_step: int | None = None,
    start_step: int | None = None,
    end_step: int | None = None,
) -> Points:
    """Every point of a series with a step in range, in step order (stable: a
    step logged twice keeps the order it was logged in)."""
    low = after_step + 1 if after_step is not None else start_step
    return SeriesRead(series.pk, low, end_step).points()


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
    return b"".join(
        json_stream(len(points), _in_hand(points), infinity_strings=infinity_strings)
    )


def points_npz(points: Points, max_points: int = 0) -> bytes:
    """The same columns as `points_json`, as NumPy `.npy` arrays in a zip
    (`numpy.load` reads it): steps int64, values, epochs and times float64
    (an absent epoch or time is NaN; ±infinity and NaN stay as tracked).
    Stored, not compressed: the point is to skip text, not to spend CPU."""
    if max_points:
        points = downsample(points, max_points)
    return b"".join(npz.stream(npz_columns(len(points), _in_hand(points))))


def _in_hand(points: Points) -> Columns:
    """The `Columns` of points already decoded: one piece each."""
    return lambda encoders: [[encode(points)] for encode in encoders]


def _float_epochs(points: Points) -> np.ndarray:
    epochs = points.epochs.astype(np.float64)
    epochs[points.epochs == NULL_EPOCH] = np.nan
    return epochs


_NPZ_COLUMNS = (
    ("steps", "<i8", lambda points: points.steps),
    ("values", "<f8", lambda points: points.values),
    ("epochs", "<f8", _float_epochs),
    ("times", "<f8", lambda points: points.times),
)


def _npz_encoder(dtype: str, of: Callable[[Points], np.ndarray]) -> Encoder:
    return lambda points: np.ascontiguousarray(of(points), dtype).data.cast("B")


def npz_columns(count: int, columns: Columns) -> list[npz.Column]:
    """The points endpoint's npz columns over `count` points."""
    pieces = columns([_npz_encoder(dtype, of) for _, dtype, of in _NPZ_COLUMNS])
    return [
        npz.Column(name, dtype, count, lambda column=column: column)
        for (name, dtype, _), column in zip(_NPZ_COLUMNS, pieces, strict=True)
    ]


def _json_epochs(points: Points) -> np.ndarray | list:
    """Whole numbers, null where absent: the same text however the points are
    batched."""
    absent = points.epochs == NULL_EPOCH
    if not absent.any():
        return points.epochs
    if absent.all():
        return [None] * len(points)
    epochs = points.epochs.tolist()
    for index in np.flatnonzero(absent).tolist():
        epochs[index] = None
    return epochs


def _json_values(points: Points, infinity_strings: bool) -> np.ndarray | list:
    values = points.values
    infinite = np.flatnonzero(np.isinf(values)) if infinity_strings else []
    if len(infinite):
        values = values.tolist()  # a list, to hold strings among the numbers
        for index in infinite.tolist():
            values[index] = "Infinity" if values[index] > 0 else "-Infinity"
    return values


def _json_encoder(of: Callable[[Points], np.ndarray | list]) -> Encoder:
    """A batch's numbers, each after a comma: batches then join by plain
    concatenation (json_stream drops the column's first comma)."""

    def encode(points: Points) -> bytes:
        if not len(points):
            return b""
        text = orjson.dumps(of(points), option=orjson.OPT_SERIALIZE_NUMPY)
        return b"," + memoryview(text)[1:-1]

    return encode


def json_stream(
    count: int, columns: Columns, *, infinity_strings: bool = False
) -> Iterator[bytes]:
    """`{"count": …, "steps": […], "values": […], "epochs": […], "times": […]}`
    written column by column as `columns` gives them."""
    fields = (
        ("steps", lambda points: points.steps),
        ("values", lambda points: _json_values(points, infinity_strings)),
        ("epochs", _json_epochs),
        ("times", lambda points: points.times),
    )
    yield b'{"count":%d' % count
    pieces = columns([_json_encoder(of) for _, of in fields])
    for (name, _), column in zip(fields, pieces, strict=True):
        opening = b',"%s":[' % name.encode()
        for piece in column:
            if not piece:
                continue
            if opening:  # the column's first comma gives way to its opening
                piece, opening = opening + piece[1:], b""
            yield piece
        yield opening + b"]"
    yield b"}"
