"""Per-series overviews: a small, exact summary of a whole series kept at ingest.

An overview splits the series (in arrival order) into buckets of `bucket_size`
consecutive points and keeps each bucket's lowest and highest point, plus the
series' first and last points. `bucket_size` is a power of two that doubles
(merging neighbouring buckets, which stays exact) whenever the series outgrows
MAX_BUCKETS buckets, so an overview never holds more than 2·MAX_BUCKETS + 2
points however long the series is. While the series has at most MAX_BUCKETS
points the bucket size is 1 and the overview *is* the series.

The explorers read one overview per series instead of every chunk: 800 series
of 100,000 points cost ~1.6M points to read instead of 80M, and because every
bucket's extremes are there, downsampling the overview keeps the same spikes
downsampling the raw points would (runs.metrics.downsample).
"""

import struct
from dataclasses import dataclass

import numpy as np

from runs.metrics import Points, decode_chunk, downsample, encode_chunk, sort_by_step

MAX_BUCKETS = 1024
_HEADER = struct.Struct("<BQQ")  # version, bucket size, points summarized
_VERSION = 1


@dataclass
class Overview:
    bucket_size: int
    count: int
    ends: Points  # the first and the last point seen (empty before any point)
    low: Points  # per bucket, the point with the smallest value (NaN counts last)
    high: Points  # per bucket, the point with the largest value

    @classmethod
    def empty(cls) -> "Overview":
        return cls(1, 0, Points.empty(), Points.empty(), Points.empty())

    @property
    def bucket_count(self) -> int:
        return len(self.low)

    @property
    def is_exact(self) -> bool:
        """Every point of the series is in the overview."""
        return self.bucket_size == 1

    def points(self) -> Points:
        """The kept points, in step order, without duplicates."""
        if self.count == 0:
            return Points.empty()
        if self.is_exact:
            return sort_by_step(self.low)
        # A bucket whose lowest and highest point are one point keeps it once.
        same = (self.low.steps == self.high.steps) & (
            (self.low.values == self.high.values)
            | (np.isnan(self.low.values) & np.isnan(self.high.values))
        )
        merged = Points.concat(
            [self.ends, self.low, self.high.take(np.flatnonzero(~same))]
        )
        # Points that arrived out of step order still land where their step says.
        order = np.lexsort((merged.values, merged.steps))
        merged = merged.take(order)
        keep = np.ones(len(merged), bool)
        keep[1:] = (merged.steps[1:] != merged.steps[:-1]) | (
            merged.values[1:] != merged.values[:-1]
        )
        return merged.take(np.flatnonzero(keep))


def _group_extremes(points: Points, group: int, prefer_low: bool) -> Points:
    """Of each run of `group` consecutive buckets, the lowest (or highest) point."""
    count = len(points)
    rows = -(-count // group)
    padded = np.full(rows * group, np.nan)
    padded[:count] = points.values
    keys = _low_key(padded) if prefer_low else -_high_key(padded)
    # Rows start on a real bucket, so an all-NaN row still picks a real point.
    picked = np.arange(rows) * group + keys.reshape(rows, group).argmin(axis=1)
    return points.take(np.minimum(picked, count - 1))


def downsample_overview(overview: Overview, max_points: int) -> Points:
    """About `max_points` points in step order, keeping extremes, as
    runs.metrics.downsample would pick from the raw points with buckets of whole
    overview buckets (the caller checks the overview has enough buckets)."""
    if overview.is_exact:
        return downsample(sort_by_step(overview.low), max_points)
    wanted = max(1, (max_points - 2) // 2)
    group = -(-overview.bucket_count // wanted)
    merged = Points.concat(
        [
            overview.ends,
            _group_extremes(overview.low, group, True),
            _group_extremes(overview.high, group, False),
        ]
    )
    merged = merged.take(np.lexsort((merged.values, merged.steps)))
    # A bucket's lowest point may also be its highest, or the series' first.
    keep = np.ones(len(merged), bool)
    keep[1:] = (merged.steps[1:] != merged.steps[:-1]) | (
        merged.values[1:] != merged.values[:-1]
    )
    return merged.take(np.flatnonzero(keep))


def serving_sample(
    blob: bytes | memoryview | None, count: int, max_points: int
) -> Points | None:
    """The series downsampled to about `max_points` from its overview `blob`,
    or None when the overview cannot serve: it must be up to date with the
    series' `count`, and hold every point or at least as many buckets as the
    downsampling makes. Then reading it costs ~2k points, not the series."""
    overview = decode(blob)
    serves = overview.count == count and (
        overview.is_exact
        or (count > max_points and overview.bucket_count >= (max_points - 2) // 2)
    )
    return downsample_overview(overview, max_points) if serves else None


def _low_key(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), np.inf, values)


def _high_key(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), -np.inf, values)


def _bucket_extremes(points: Points, size: int) -> tuple[Points, Points]:
    """The lowest and highest point of each run of `size` consecutive points."""
    count = len(points)
    buckets = -(-count // size)
    padded = np.full(buckets * size, np.nan)
    padded[:count] = points.values
    rows = padded.reshape(buckets, size)
    base = np.arange(buckets) * size
    low = base + _low_key(rows).argmin(axis=1)
    high = base + _high_key(rows).argmax(axis=1)
    # An all-NaN tail of padding can only be picked in the last, partial bucket.
    low = np.minimum(low, count - 1)
    high = np.minimum(high, count - 1)
    return points.take(low), points.take(high)


def _pick(first: Points, second: Points, prefer_low: bool) -> Points:
    """Element-wise, the lower (or higher) of two equally long point lists."""
    if prefer_low:
        take_second = _low_key(second.values) < _low_key(first.values)
    else:
        take_second = _high_key(second.values) > _high_key(first.values)
    return Points(
        np.where(take_second, second.steps, first.steps),
        np.where(take_second, second.values, first.values),
        np.where(take_second, second.epochs, first.epochs),
        np.where(take_second, second.times, first.times),
    )


def _halve(points: Points, prefer_low: bool) -> Points:
    """Merge buckets pairwise (2i, 2i+1) when the bucket size doubles."""
    pairs = len(points) // 2
    even = points.slice(0, 2 * pairs).take(np.arange(0, 2 * pairs, 2))
    odd = points.slice(0, 2 * pairs).take(np.arange(1, 2 * pairs, 2))
    merged = _pick(even, odd, prefer_low)
    if len(points) % 2:
        merged = Points.concat([merged, points.slice(len(points) - 1, len(points))])
    return merged


def append(overview: Overview, points: Points) -> Overview:
    """The overview of the series after `points` arrive (in arrival order)."""
    if len(points) == 0:
        return overview
    first_point = overview.ends.slice(0, 1) if overview.count else points.slice(0, 1)
    size = overview.bucket_size
    low, high = overview.low, overview.high
    filled = overview.count % size
    if filled:
        # The last bucket is partial: the new head joins it.
        head = points.slice(0, size - filled)
        points = points.slice(len(head), len(points))
        head_low, head_high = _bucket_extremes(head, len(head))
        last = len(low) - 1
        low = Points.concat(
            [low.slice(0, last), _pick(low.slice(last, last + 1), head_low, True)]
        )
        high = Points.concat(
            [high.slice(0, last), _pick(high.slice(last, last + 1), head_high, False)]
        )
        added = len(head)
    else:
        added = 0
    if len(points):
        new_low, new_high = _bucket_extremes(points, size)
        low, high = Points.concat([low, new_low]), Points.concat([high, new_high])
        added += len(points)
        last_point = points.slice(len(points) - 1, len(points))
    else:
        last_point = head.slice(len(head) - 1, len(head))
    while len(low) > MAX_BUCKETS:
        size *= 2
        low, high = _halve(low, True), _halve(high, False)
    return Overview(
        size,
        overview.count + added,
        Points.concat([first_point, last_point]),
        low,
        high,
    )


def encode(overview: Overview) -> bytes:
    # With buckets of one point, lowest and highest are the same point: kept once.
    parts = [overview.ends, overview.low]
    if not overview.is_exact:
        parts.append(overview.high)
    body = encode_chunk(Points.concat(parts))
    return _HEADER.pack(_VERSION, overview.bucket_size, overview.count) + body


def decode(data: bytes | memoryview | None) -> Overview:
    if not data:
        return Overview.empty()
    buffer = memoryview(data)
    _version, size, count = _HEADER.unpack_from(buffer, 0)
    points = decode_chunk(buffer[_HEADER.size :])
    ends = min(2, len(points))
    if size == 1:
        low = points.slice(ends, len(points))
        return Overview(size, count, points.slice(0, ends), low, low)
    buckets = (len(points) - ends) // 2
    return Overview(
        size,
        count,
        points.slice(0, ends),
        points.slice(ends, ends + buckets),
        points.slice(ends + buckets, ends + 2 * buckets),
    )
