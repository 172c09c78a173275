"""Chunked storage of metric points: the codec, appends and downsampled read-back.

A chunk row holds up to CHUNK_SIZE points of one series as packed arrays. The codec
keeps the common cases small: consecutive steps are stored as (start, stride), a
constant or absent epoch as one number, wall times as float32 offsets from the
chunk's first time. Values stay float64 so NaN and ±inf survive byte for byte.
Decoding is `np.frombuffer`, so reading a million points costs milliseconds.
"""

import math
import struct
from dataclasses import dataclass

import numpy as np

CHUNK_SIZE = 4096
NULL_EPOCH = np.iinfo(np.int64).min

_VERSION = 1
_HEADER = struct.Struct("<BBI")  # version, flags, count
_STEPS_RANGE = 1
_EPOCHS_NONE = 2
_EPOCHS_CONST = 4
_TIMES_NONE = 8


@dataclass
class Points:
    steps: np.ndarray  # int64
    values: np.ndarray  # float64
    epochs: np.ndarray  # int64, NULL_EPOCH where absent
    times: np.ndarray  # float64, NaN where absent

    def __len__(self) -> int:
        return len(self.steps)

    @classmethod
    def empty(cls) -> "Points":
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.float64),
            np.empty(0, np.int64),
            np.empty(0, np.float64),
        )

    @classmethod
    def allocate(cls, count: int) -> "Points":
        """Uninitialised columns for `count` points, to decode chunks into."""
        return cls(
            np.empty(count, np.int64),
            np.empty(count, np.float64),
            np.empty(count, np.int64),
            np.empty(count, np.float64),
        )

    @classmethod
    def concat(cls, parts: list["Points"]) -> "Points":
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(
            np.concatenate([p.steps for p in parts]),
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.epochs for p in parts]),
            np.concatenate([p.times for p in parts]),
        )

    def slice(self, start: int, stop: int) -> "Points":
        return Points(
            self.steps[start:stop],
            self.values[start:stop],
            self.epochs[start:stop],
            self.times[start:stop],
        )

    def take(self, indices: np.ndarray) -> "Points":
        return Points(
            self.steps[indices],
            self.values[indices],
            self.epochs[indices],
            self.times[indices],
        )


def encode_chunk(points: Points) -> bytes:
    count = len(points)
    flags = 0
    body: list[bytes] = []
    steps = points.steps
    if count >= 2:
        stride = int(steps[1] - steps[0])
        if np.array_equal(steps, steps[0] + stride * np.arange(count, dtype=np.int64)):
            flags |= _STEPS_RANGE
            body.append(struct.pack("<qq", int(steps[0]), stride))
    if not flags & _STEPS_RANGE:
        body.append(steps.astype("<i8").tobytes())
    body.append(points.values.astype("<f8").tobytes())
    epochs = points.epochs
    if count and np.all(epochs == NULL_EPOCH):
        flags |= _EPOCHS_NONE
    elif count and np.all(epochs == epochs[0]):
        flags |= _EPOCHS_CONST
        body.append(struct.pack("<q", int(epochs[0])))
    else:
        body.append(epochs.astype("<i8").tobytes())
    times = points.times
    if count == 0 or np.all(np.isnan(times)):
        flags |= _TIMES_NONE
    else:
        base = float(np.nanmin(times))
        body.append(struct.pack("<d", base))
        body.append((times - base).astype("<f4").tobytes())
    return _HEADER.pack(_VERSION, flags, count) + b"".join(body)


def _read_steps(
    buffer: memoryview,
) -> tuple[int, int, tuple[int, int, int] | np.ndarray, int]:
    """A chunk's flags, count, steps ((start, stride, count) when they are a range,
    else a read-only array) and the offset of its values."""
    _version, flags, count = _HEADER.unpack_from(buffer, 0)
    offset = _HEADER.size
    if flags & _STEPS_RANGE:
        start, stride = struct.unpack_from("<qq", buffer, offset)
        return flags, count, (start, stride, count), offset + 16
    return flags, count, np.frombuffer(buffer, "<i8", count, offset), offset + 8 * count


def decode_chunk(data: bytes | memoryview) -> Points:
    points = Points.allocate(chunk_count(data))
    decode_chunk_into(data, points, 0)
    return points


def chunk_count(data: bytes | memoryview) -> int:
    return _HEADER.unpack_from(data, 0)[2]


_RANGE = np.arange(CHUNK_SIZE, dtype=np.int64)


def decode_chunk_into(
    data: bytes | memoryview, out: Points, start: int, count: int | None = None
) -> None:
    """Decode a chunk's first `count` points (all by default) into `out`'s
    columns from position `start`: one copy per column, no arrays in between.
    Appends only ever add points at a chunk's end, so its first `count` points
    are the ones a reader counted earlier."""
    buffer = memoryview(data)
    flags, total, steps, offset = _read_steps(buffer)
    count = total if count is None else count
    stop = start + count
    if isinstance(steps, tuple):
        first, stride, _ = steps
        span = _RANGE[:count] if count <= CHUNK_SIZE else np.arange(count)
        np.multiply(span, stride, out=out.steps[start:stop])
        out.steps[start:stop] += first
    else:
        out.steps[start:stop] = steps[:count]
    out.values[start:stop] = np.frombuffer(buffer, "<f8", count, offset)
    offset += 8 * total
    if flags & _EPOCHS_NONE:
        out.epochs[start:stop] = NULL_EPOCH
    elif flags & _EPOCHS_CONST:
        out.epochs[start:stop] = struct.unpack_from("<q", buffer, offset)[0]
        offset += 8
    else:
        out.epochs[start:stop] = np.frombuffer(buffer, "<i8", count, offset)
        offset += 8 * total
    if flags & _TIMES_NONE:
        out.times[start:stop] = np.nan
    else:
        (base,) = struct.unpack_from("<d", buffer, offset)
        offset += 8
        times = out.times[start:stop]
        times[:] = np.frombuffer(buffer, "<f4", count, offset)
        times += base


def steps_values_prefix_length(count: int) -> int:
    """Bytes from a chunk's start that hold its steps and values when its steps are
    a range (start, stride), as they almost always are."""
    return _HEADER.size + 16 + 8 * count


def has_step_range(data: bytes | memoryview) -> bool:
    return bool(_HEADER.unpack_from(data, 0)[1] & _STEPS_RANGE)


def decode_steps_values(
    data: bytes | memoryview,
) -> tuple[np.ndarray | tuple[int, int, int], np.ndarray]:
    """A chunk's steps and values only, from the whole chunk or, when its steps are
    a range, its first steps_values_prefix_length(count) bytes. Steps come as
    (start, stride, count) when they are a range, else as an array; the values are
    a view, not a copy."""
    buffer = memoryview(data)
    _flags, count, steps, offset = _read_steps(buffer)
    return steps, np.frombuffer(buffer, "<f8", count, offset)


def sort_by_step(points: Points) -> Points:
    """Points arrive in order almost always; a resent batch may land late."""
    if len(points) < 2 or np.all(np.diff(points.steps) >= 0):
        return points
    return points.take(np.argsort(points.steps, kind="stable"))


def downsample(points: Points, max_points: int) -> Points:
    """At most ~max_points points, keeping each bucket's min and max and both ends.

    Buckets are equal runs of consecutive points; within each, the smallest and
    largest value survive (NaN counts as neither), so spikes never vanish from a chart.
    """
    count = len(points)
    if max_points <= 0 or count <= max_points:
        return points
    buckets = max(1, (max_points - 2) // 2)
    size = -(-count // buckets)
    padded = np.full(buckets * size, np.nan)
    padded[:count] = points.values
    rows = padded.reshape(buckets, size)
    finite_low = np.where(np.isnan(rows), np.inf, rows)
    finite_high = np.where(np.isnan(rows), -np.inf, rows)
    base = np.arange(buckets) * size
    keep = np.concatenate(
        [
            base + finite_low.argmin(axis=1),
            base + finite_high.argmax(axis=1),
            [0, count - 1],
        ]
    )
    keep = np.unique(keep[keep < count])
    return points.take(keep)


def summarize(points: Points) -> dict:
    """Summary columns of a batch of points (to merge into the series row)."""
    values = points.values
    finite = values[~np.isnan(values)]
    times = points.times
    return {
        "count": len(points),
        "first_step": int(points.steps.min()),
        "last_step": int(points.steps.max()),
        "first": float(values[int(np.argmin(points.steps))]),
        "last": float(values[len(values) - 1 - int(np.argmax(points.steps[::-1]))]),
        "min": float(finite.min()) if len(finite) else None,
        "max": float(finite.max()) if len(finite) else None,
        "last_time": float(times[-1]) if not np.isnan(times[-1]) else None,
        "first_time": None if np.all(np.isnan(times)) else float(np.nanmin(times)),
    }


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN or infinity: answers carry them as null."""
    if value is None or not math.isfinite(value):
        return None
    return value
