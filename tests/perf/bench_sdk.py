"""SDK benchmarks (issue 3). They print figures; nothing is asserted on time.

    python -m pytest tests/perf/bench_sdk.py -m perf -s

AIMSITE_BENCH_RUNS sets the number of runs in the open/close benchmark (default 1000).
"""

import os
import time

import pytest

from aimsite.sdk import Run, flush
from runs.models import MetricSeries
from runs.models import Run as RunModel
from tests.factories import make_token, make_user
from tests.helpers.servers import PatientServer
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

# Background extras off: the benchmarks time tracking and delivery, not psutil,
# terminal capture or the package listing (all three stay on by default).
QUIET = {
    "system_tracking_interval": None,
    "capture_terminal_logs": False,
    "log_system_params": False,
}


@pytest.fixture
def server(transactional_db):
    """Its own daphne, started patiently: the shared machine may be busy."""
    process = PatientServer().start()
    yield process
    process.stop()


@pytest.fixture
def token(transactional_db, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMSITE_SPOOL_DIR", str(tmp_path / "spool"))
    return make_token(make_user("bench"))


def test_per_call_cost_of_track(server, token):
    calls = 300_000
    run = Run(server=server.url, token=token, **QUIET)
    for _ in range(1000):  # warm up: series registered, code paths hot
        run.track(0.5, name="warm")
    started = time.perf_counter()
    for _ in range(calls):
        run.track(0.5, name="loss")
    plain = (time.perf_counter() - started) / calls
    started = time.perf_counter()
    for step in range(calls):
        run.track(0.5, name="loss", step=step, epoch=1, context={"subset": "train"})
    full = (time.perf_counter() - started) / calls
    run.close()
    report("track(value, name) per call", plain * 1e6, "µs", "≤ 3 µs")
    report(
        "track(value, name, step, epoch, context) per call", full * 1e6, "µs", "≤ 3 µs"
    )


def test_100k_points_from_track_until_durable_on_the_server(server, token):
    points = 100_000
    started = time.perf_counter()
    run = Run(server=server.url, token=token, **QUIET)
    for step in range(points):
        run.track(step * 0.001, name="loss", context={"subset": "train"})
    tracked = time.perf_counter()
    run.close(wait=True)  # returns once every batch is acknowledged (committed)
    durable = time.perf_counter()
    assert MetricSeries.objects.get(run__hash=run.hash, name="loss").count == points
    report("100k points: tracking took", (tracked - started) * 1e3, "ms")
    report(
        "100k points: track → durable",
        points / (durable - started),
        "points/s",
        "≥ 200,000 points/s",
    )


def _open_and_close(server, token, count: int, options: dict) -> tuple[float, float]:
    """Runs per second: with close() handing off, and until the server holds them all."""
    started = time.perf_counter()
    for index in range(count):
        run = Run(experiment="bench-runs", server=server.url, token=token, **options)
        run["hparams"] = {f"param_{i}": i * 0.1 for i in range(10)}
        run.add_tag("bench")
        run.add_tag(f"group-{index % 4}")
        for metric in ("loss", "accuracy", "lr"):
            for step in range(10):
                run.track(step * 0.1, name=metric)
        run.close()
    closed = time.perf_counter()
    assert flush(timeout=600)
    durable = time.perf_counter()
    return count / (closed - started), count / (durable - started)


def test_many_runs_opened_and_closed_one_after_another(server, token):
    count = int(os.environ.get("AIMSITE_BENCH_RUNS", "1000"))
    closing, durable = _open_and_close(server, token, count, QUIET)
    finished = RunModel.objects.filter(experiment__name="bench-runs", status="finished")
    assert finished.count() == count
    assert MetricSeries.objects.filter(run__in=finished).count() == 3 * count
    title = f"{count} runs (10 params, 2 tags, 3x10 points)"
    report(f"{title}: open+close loop", closing, "runs/s")
    report(
        f"{title}: until all are durable on the server",
        durable,
        "runs/s",
        "≥ 165 runs/s",
    )

    count = max(count // 10, 10)
    closing, durable = _open_and_close(server, token, count, {})
    title = f"{count} runs with default options (system params/metrics, capture on)"
    report(f"{title}: until durable", durable, "runs/s")


def test_images_from_track_until_stored(server, token):
    """Aim's image logging: 1,000 small images one per call, and 64 per call."""
    import numpy as np

    from aimsite.sdk import Image
    from media_tracks.models import ObjectRecord

    pixels = np.random.default_rng(0).integers(0, 255, (1000, 8, 8, 3), np.uint8)
    images = [Image(array) for array in pixels]
    for title, per_call in (("one per call", 1), ("64 per call", 64)):
        run = Run(server=server.url, token=token, **QUIET)
        started = time.perf_counter()
        for step, first in enumerate(range(0, len(images), per_call)):
            batch = images[first : first + per_call]
            run.track(batch if per_call > 1 else batch[0], name="samples", step=step)
        run.close(wait=True)
        elapsed = time.perf_counter() - started
        stored = ObjectRecord.objects.filter(sequence__run__hash=run.hash).count()
        assert stored == len(images)
        report(
            f"1,000 8x8 images, {title}: track → stored",
            stored / elapsed,
            "images/s",
        )
