import math

import numpy as np
import pytest

from runs.metrics import (
    NULL_EPOCH,
    Points,
    decode_chunk,
    downsample,
    encode_chunk,
    summarize,
)


def _points(steps, values, epochs=None, times=None) -> Points:
    count = len(steps)
    return Points(
        np.asarray(steps, np.int64),
        np.asarray(values, np.float64),
        np.asarray(epochs if epochs is not None else [NULL_EPOCH] * count, np.int64),
        np.asarray(times if times is not None else [math.nan] * count, np.float64),
    )


@pytest.mark.parametrize(
    "points",
    [
        _points([0, 1, 2, 3], [0.5, math.nan, math.inf, -math.inf]),
        _points(
            [5, 10, 15],
            [1, 2, 3],
            epochs=[1, 1, 1],
            times=[1.7e9, 1.7e9 + 1, 1.7e9 + 2.5],
        ),
        _points([3, 1, 2, 100], [1, 2, 3, 4], epochs=[0, NULL_EPOCH, 2, 3]),
        _points([7], [42.0], epochs=[0]),
        _points([], []),
    ],
)
def test_chunks_round_trip(points):
    decoded = decode_chunk(encode_chunk(points))
    assert np.array_equal(decoded.steps, points.steps)
    assert np.array_equal(decoded.values, points.values, equal_nan=True)
    assert np.array_equal(decoded.epochs, points.epochs)
    assert np.allclose(decoded.times, points.times, equal_nan=True, atol=1e-3)


def test_consecutive_steps_cost_almost_nothing():
    count = 4096
    points = _points(np.arange(count), np.random.default_rng(0).random(count))
    assert len(encode_chunk(points)) < count * 8 + 64


def test_downsample_keeps_extremes_and_ends():
    values = np.sin(np.linspace(0, 20, 100_000))
    values[31_337] = 50.0
    values[77_777] = -50.0
    values[500] = math.nan
    points = _points(np.arange(100_000), values)
    small = downsample(points, 1000)
    assert len(small) <= 1000
    assert small.values.max() == 50.0 and small.values.min() == -50.0
    assert small.steps[0] == 0 and small.steps[-1] == 99_999
    assert np.all(np.diff(small.steps) > 0)


def test_downsample_leaves_short_series_alone():
    points = _points(np.arange(10), np.arange(10.0))
    assert downsample(points, 1000) is points


def test_summary_ignores_nan_for_min_and_max():
    summary = summarize(_points([0, 1, 2], [math.nan, 2.0, -1.0]))
    assert (summary["min"], summary["max"], summary["last"], summary["count"]) == (
        -1.0,
        2.0,
        -1.0,
        3,
    )
