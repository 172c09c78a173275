"""A whole series read batch by batch and written as it is read (issue 18,
points 1 and 6): the same points, in the same order, as decoding every chunk
and sorting by step; an answer of several batches is streamed, JSON and npz,
with the npz's length known up front."""

import io
import math
import zipfile

import numpy as np
import orjson
import pytest
import requests

from aimsite import npz
from runs import ingest, points
from runs.metrics import NULL_EPOCH, Points, decode_chunk, sort_by_step
from runs.models import MetricChunk, MetricSeries
from runs.points import (
    SeriesRead,
    json_stream,
    npz_columns,
    points_json,
    points_npz,
    read_points,
)
from tests.factories import make_run, make_token

pytestmark = pytest.mark.django_db

NPZ = "application/x-npz"


def _track(run, seq: int, steps, values=None, epochs=None) -> None:
    steps = [int(step) for step in steps]
    metric = {
        "name": "loss",
        "steps": steps,
        "values": values if values is not None else [step / 7 for step in steps],
    }
    if epochs is not None:
        metric["epochs"] = epochs
    ingest.apply_batch(run, ingest.parse_batch({"seq": seq, "metrics": [metric]}))


def _unordered_series(user) -> tuple:
    """Chunks out of order, overlapping (a resent stretch, a late batch), a step
    logged twice, infinities, and epochs absent from one batch only."""
    run = make_run(user)
    _track(run, 1, range(0, 10_000), epochs=[step // 1000 for step in range(10_000)])
    _track(run, 2, range(5_000, 6_000), [-1.0] * 1000)
    _track(run, 3, range(10_000, 20_000), [math.inf, -math.inf] + [0.5] * 9998)
    _track(run, 4, range(20_000, 30_000, 2))
    _track(run, 5, [25_000, 25_000], [7.0, 8.0])
    return run, MetricSeries.objects.get(run=run)


def _decode_all_and_sort(series, low=None, high=None) -> Points:
    """What a read promises: every chunk in index order, stably sorted by step."""
    blobs = MetricChunk.objects.filter(series=series).order_by("index")
    every = sort_by_step(Points.concat([decode_chunk(c.data) for c in blobs]))
    inside = np.ones(len(every), bool)
    if low is not None:
        inside &= every.steps >= low
    if high is not None:
        inside &= every.steps <= high
    return every.take(np.flatnonzero(inside))


def _assert_same(got: Points, expected: Points) -> None:
    for column in ("steps", "values", "epochs", "times"):
        np.testing.assert_array_equal(getattr(got, column), getattr(expected, column))


@pytest.mark.parametrize("batch_points", [100, 5_000, points.BATCH_POINTS])
@pytest.mark.parametrize("low", [None, 0, 5_500, 24_999, 40_000])
def test_a_read_equals_every_chunk_decoded_and_sorted(
    user, monkeypatch, batch_points, low
):
    monkeypatch.setattr(points, "BATCH_POINTS", batch_points)
    _run, series = _unordered_series(user)
    expected = _decode_all_and_sort(series, low)

    read = SeriesRead(series.pk, low, None)

    assert read.count == len(expected)
    _assert_same(read.points(), expected)
    _assert_same(Points.concat(list(read.batches())), expected)


def test_a_read_between_steps_keeps_both_bounds(user):
    _run, series = _unordered_series(user)
    every = _decode_all_and_sort(series)
    inside = (every.steps >= 5_500) & (every.steps <= 20_001)

    _assert_same(
        read_points(series, start_step=5_500, end_step=20_001),
        every.take(np.flatnonzero(inside)),
    )


def test_points_appended_mid_read_are_left_out_of_every_pass(user, monkeypatch):
    monkeypatch.setattr(points, "BATCH_POINTS", 4096)
    run, series = _unordered_series(user)
    expected = _decode_all_and_sort(series)
    read = SeriesRead(series.pk, None, None)
    _assert_same(Points.concat(list(read.batches())), expected)

    _track(run, 6, range(30_000, 40_000))  # fills the open chunk, adds new ones

    _assert_same(Points.concat(list(read.batches())), expected)


@pytest.mark.parametrize("after_step", [None, 5_499])
@pytest.mark.parametrize("batch_points", [1_000, points.BATCH_POINTS])
def test_the_endpoint_answers_the_columns_of_one_read(
    api, user, monkeypatch, batch_points, after_step
):
    monkeypatch.setattr(points, "BATCH_POINTS", batch_points)
    monkeypatch.setattr(points, "SPOOL_BYTES", 4096)  # spilled to disk
    run, series = _unordered_series(user)
    every = _decode_all_and_sort(series, None if after_step is None else after_step + 1)
    url = f"/api/v1/runs/{run.hash}/metrics/{series.id}/points"
    window = {} if after_step is None else {"after_step": after_step}

    as_json = api.get(url, {"nonfinite": "strings", **window})
    as_npz = api.get(url, window, HTTP_ACCEPT=NPZ)

    assert as_json.streaming == as_npz.streaming == (batch_points == 1_000)
    json_body = b"".join(as_json.streaming_content) if as_json.streaming else None
    npz_body = b"".join(as_npz.streaming_content) if as_npz.streaming else None
    json_body = json_body or as_json.content
    npz_body = npz_body or as_npz.content
    assert json_body == points_json(every, infinity_strings=True)
    assert npz_body == points_npz(every)
    assert as_npz["Content-Type"] == NPZ
    if as_npz.streaming:
        assert int(as_npz["Content-Length"]) == len(npz_body)


@pytest.mark.parametrize("spool_bytes", [64, points.SPOOL_BYTES])
@pytest.mark.parametrize("low, high", [(None, None), (5_500, None), (4_321, 25_000)])
def test_a_read_of_many_batches_writes_every_column_from_one_pass(
    user, monkeypatch, spool_bytes, low, high
):
    monkeypatch.setattr(points, "BATCH_POINTS", 3_000)
    monkeypatch.setattr(points, "SPOOL_BYTES", spool_bytes)
    _run, series = _unordered_series(user)
    expected = _decode_all_and_sort(series, low, high)
    read = SeriesRead(series.pk, low, high)
    batches = sum(1 for _ in read.batches())
    decoded = []
    decode = points._decode_groups
    monkeypatch.setattr(
        points, "_decode_groups", lambda *args: decoded.append(1) or decode(*args)
    )

    as_npz = b"".join(npz.stream(npz_columns(read.count, read.columns)))
    as_json = b"".join(json_stream(read.count, read.columns, infinity_strings=True))

    assert batches > 3 and len(decoded) == 2 * batches  # one pass per answer
    assert as_npz == points_npz(expected)
    assert as_json == points_json(expected, infinity_strings=True)


def test_a_spooled_column_is_not_read_before_the_first(user, monkeypatch):
    monkeypatch.setattr(points, "BATCH_POINTS", 3_000)
    _run, series = _unordered_series(user)
    _steps, values = SeriesRead(series.pk, None, None).columns(
        [lambda batch: batch.steps.tobytes(), lambda batch: batch.values.tobytes()]
    )

    with pytest.raises(RuntimeError, match="before the first"):
        next(iter(values))


def test_json_columns_are_the_numbers_tracked(user):
    _run, series = _unordered_series(user)
    every = _decode_all_and_sort(series)

    body = orjson.loads(points_json(every, infinity_strings=True))

    assert body["count"] == len(every) == len(body["times"])
    assert body["steps"] == every.steps.tolist()
    infinities = {"Infinity": math.inf, "-Infinity": -math.inf}
    values = [infinities.get(value, value) for value in body["values"]]
    np.testing.assert_array_equal(np.array(values, float), every.values)
    epochs = np.where(every.epochs == NULL_EPOCH, np.nan, every.epochs)
    np.testing.assert_array_equal(np.array(body["epochs"], float), epochs)


def test_the_streamed_archive_is_a_valid_zip_of_its_stated_size():
    columns = [
        npz.Column("a", "<i8", 7, lambda: [np.arange(3), np.arange(3, 7)]),
        npz.Column("b", "<f8", 2, lambda: [np.array([math.nan, math.inf])]),
        npz.Column("empty", "<f8", 0, lambda: []),
    ]

    body = b"".join(npz.stream(columns))

    assert len(body) == npz.archive_size(columns)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None  # every CRC checks out
    with np.load(io.BytesIO(body), allow_pickle=False) as loaded:
        assert loaded["a"].tolist() == list(range(7))
        np.testing.assert_array_equal(loaded["b"], [math.nan, math.inf])
        assert loaded["empty"].shape == (0,)


def test_a_column_short_of_its_count_fails_instead_of_lying():
    columns = [npz.Column("a", "<i8", 5, lambda: [np.arange(3)])]

    with pytest.raises(ValueError, match="a: "):
        b"".join(npz.stream(columns))


@pytest.mark.django_db(transaction=True)
def test_a_long_series_streams_over_daphne(server, user):
    run = make_run(user)
    total = points.BATCH_POINTS + 20_000
    for seq, start in enumerate(range(0, total, 50_000), start=1):
        _track(run, seq, range(start, min(total, start + 50_000)))
    series = MetricSeries.objects.get(run=run)
    url = f"{server.url}/api/v1/runs/{run.hash}/metrics/{series.id}/points"
    auth = {"Authorization": f"Bearer {make_token(user)}"}

    as_json = requests.get(url, headers=auth, timeout=60)
    as_npz = requests.get(url, headers=auth | {"Accept": NPZ}, timeout=60)

    assert as_json.headers.get("Transfer-Encoding") == "chunked"
    assert as_json.json()["steps"] == list(range(total))
    assert int(as_npz.headers["Content-Length"]) == len(as_npz.content)
    with np.load(io.BytesIO(as_npz.content), allow_pickle=False) as archive:
        assert archive["steps"].tolist() == list(range(total))
        np.testing.assert_array_equal(archive["values"], np.arange(total) / 7)


def test_a_range_between_two_logged_steps_reads_nothing(user):
    _run, series = _unordered_series(user)

    assert len(read_points(series, start_step=20_001, end_step=20_001)) == 0
