import importlib

import numpy as np
import pytest
from django.apps import apps

from runs import ingest
from runs import overview as overviews
from runs.metrics import NULL_EPOCH, Points
from runs.models import MetricSeries
from tests.factories import make_run


def _points(values: np.ndarray) -> Points:
    count = len(values)
    return Points(
        np.arange(count, dtype=np.int64) * 3,
        values,
        np.full(count, NULL_EPOCH),
        1e9 + np.arange(count, dtype=np.float64),
    )


@pytest.mark.parametrize("seed", range(12))
def test_overview_built_batch_by_batch_equals_the_extremes_of_every_bucket(seed):
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 40_000))
    values = rng.normal(size=count)
    values[rng.random(count) < 0.01] = np.nan
    points = _points(values)
    overview, start = overviews.Overview.empty(), 0
    while start < count:
        size = int(rng.integers(1, 5_000))
        batch = points.slice(start, start + size)
        overview = overviews.decode(overviews.encode(overviews.append(overview, batch)))
        start += size

    size = overview.bucket_size
    assert overview.count == count
    assert (size == 1) == (count <= overviews.MAX_BUCKETS)
    assert overview.bucket_count == -(-count // size) <= overviews.MAX_BUCKETS
    for bucket in range(overview.bucket_count):
        part = values[bucket * size : (bucket + 1) * size]
        if np.all(np.isnan(part)):
            continue
        assert overview.low.values[bucket] == np.nanmin(part)
        assert overview.high.values[bucket] == np.nanmax(part)
    kept = overview.points()
    assert kept.steps[0] == 0 and kept.steps[-1] == (count - 1) * 3
    assert np.all(np.diff(kept.steps) >= 0)
    if size == 1:
        assert np.array_equal(kept.steps, points.steps)
    finite = values[~np.isnan(values)]
    if len(finite):
        assert np.nanmin(kept.values) == finite.min()
        assert np.nanmax(kept.values) == finite.max()


def test_an_empty_overview_decodes_from_nothing():
    overview = overviews.decode(None)

    assert overview.count == 0
    assert len(overview.points()) == 0


@pytest.mark.parametrize("max_points", [10, 101, 500, 2000])
def test_downsampling_an_overview_keeps_ends_and_extremes(max_points):
    rng = np.random.default_rng(max_points)
    values = rng.normal(size=300_000)
    values[[1234, 250_000]] = [-50.0, 50.0]
    overview = overviews.append(overviews.Overview.empty(), _points(values))

    sample = overviews.downsample_overview(overview, max_points)

    assert len(sample) <= max_points + 2
    assert np.all(np.diff(sample.steps) > 0)
    assert sample.steps[0] == 0 and sample.steps[-1] == (len(values) - 1) * 3
    assert {1234 * 3, 250_000 * 3} <= set(sample.steps.tolist())


@pytest.mark.django_db
def test_the_migration_builds_overviews_of_existing_series_from_their_chunks(user):
    run = make_run(user)
    steps = list(range(5_000))
    values = [float(np.sin(step / 50)) for step in steps]
    times = [1.7e9 + step for step in steps]
    ingest.apply_batch(
        run,
        ingest.parse_batch(
            {
                "seq": 1,
                "metrics": [
                    {"name": "loss", "steps": steps, "values": values, "times": times}
                ],
            }
        ),
    )
    built_at_ingest = MetricSeries.objects.get(run=run)
    MetricSeries.objects.filter(pk=built_at_ingest.pk).update(
        overview=None, first_time=None
    )

    migration = importlib.import_module("runs.migrations.0003_metricseries_overview")
    migration.backfill_overviews(apps, None)

    rebuilt = MetricSeries.objects.get(pk=built_at_ingest.pk)
    assert rebuilt.first_time == built_at_ingest.first_time == 1.7e9
    assert bytes(rebuilt.overview) == bytes(built_at_ingest.overview)
