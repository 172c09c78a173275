"""Metrics explorer benchmarks (issue 13): 200 runs x 4 series x 100,000 points.

Prints the server time of `metrics/search?points=500` (target <= 300 ms) and of
`metrics/aggregate` grouped over all 800 series (target <= 400 ms), how both grow
with the number of runs (50/100/200) and with points per series (10k vs 100k), the
cost of asking for more points than an overview holds (read from the chunks), and
what ingest pays to keep the overviews. Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_metrics_explorer.py
On SQLite the data set is built once and kept under /tmp (tests/perf/sqlite_cache.py):
build it first, niced, with `-k build`, then measure on a quiet machine.
"""

import statistics
import time

import numpy as np
import pytest

from runs import ingest
from runs.contexts import context_key
from runs.metrics import Points
from tests.factories import make_run, make_user
from tests.helpers.clients import signed_in_client
from tests.perf.report import report
from tests.perf.sqlite_cache import cached_database

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = 200
POINTS = 100_000
SMALL_RUNS, SMALL_POINTS = 50, 10_000
SERIES = [
    ("loss", {"subset": "train"}),
    ("loss", {"subset": "val"}),
    ("acc", {}),
    ("lr", {}),
]
REPEATS = 5


def _timed(fn, repeats: int = REPEATS) -> tuple[float, object]:
    fn()  # warm: first query compiles, caches fill
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _build(user, experiment: str, runs: int, points: int, rng) -> float:
    """Runs made and filled through the ingest services; returns ingest seconds."""
    steps = np.arange(points, dtype=np.int64)
    epochs = steps // 1000
    spent = 0.0
    for index in range(runs):
        run = make_run(
            user,
            experiment=experiment,
            name=f"{experiment}-{index}",
            params={
                "hparams": {"lr": [0.1, 0.01, 0.001, 0.0001][index % 4]},
                "index": index,
            },
        )
        times = 1.7e9 + index * 10.0 + steps * 0.05
        series = []
        for name, context in SERIES:
            values = np.exp(-steps / (points / 3)) + rng.normal(0, 0.02, points)
            series.append(
                ingest.SeriesBatch(
                    name,
                    context,
                    context_key(context),
                    Points(steps, values, epochs, times),
                )
            )
        started = time.perf_counter()
        ingest.apply_batch(run, ingest.Batch(seq=1, series=series))
        spent += time.perf_counter() - started
    return spent


def _get(client, path: str, params: dict) -> dict:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return response


def _build_all() -> None:
    user = make_user("alice")
    rng = np.random.default_rng(13)
    seconds = _build(user, "big", RUNS, POINTS, rng)
    report(
        f"ingest {RUNS} runs x 4 x {POINTS:,} points (with overviews)",
        RUNS * 4 * POINTS / seconds / 1e6,
        "M points/s",
    )
    seconds = _build(user, "small", SMALL_RUNS, SMALL_POINTS, rng)
    report(
        f"ingest {SMALL_RUNS} runs x 4 x {SMALL_POINTS:,} points",
        SMALL_RUNS * 4 * SMALL_POINTS / seconds / 1e6,
        "M points/s",
    )


def _data():
    """The bench user, with the data set built (or copied from the cache)."""
    from django.contrib.auth import get_user_model

    cached_database(f"metrics-explorer-{RUNS}x{POINTS}", _build_all)
    return get_user_model().objects.get(username="alice")


def test_build_metrics_explorer_data():
    """Only builds (or checks) the cached data set: run it niced, in the background."""
    _data()


def test_metrics_explorer_search_and_aggregate():
    user = _data()
    client = signed_in_client(user)
    big = 'run.experiment == "big"'

    median, response = _timed(
        lambda: _get(client, "/api/v1/metrics/search", {"q": big, "points": 500})
    )
    body = response.json()
    assert len(body["series"]) == RUNS * 4
    report(
        f"search points=500, {RUNS * 4} series of {POINTS:,} points, server time",
        median,
        "ms",
        "<= 300 ms",
    )
    report("  answer size", len(response.content) / 2**20, "MiB")
    median, response = _timed(
        lambda: client.get(
            "/api/v1/metrics/search",
            {"q": big, "points": 500},
            HTTP_ACCEPT="application/x-npz",
        )
    )
    assert response.status_code == 200
    report("  the same search as npz (what the page asks for)", median, "ms")
    report("  npz answer size", len(response.content) / 2**20, "MiB")

    median, response = _timed(
        lambda: _get(
            client,
            "/api/v1/metrics/aggregate",
            {
                "q": big,
                "points": 500,
                "group": "run.hparams.lr,metric.name",
                "band": "ci95",
            },
        )
    )
    groups = response.json()["groups"]
    assert sum(group["series"] for group in groups) == RUNS * 4
    report(
        f"aggregate points=500 over {RUNS * 4} series ({len(groups)} groups), server time",
        median,
        "ms",
        "<= 400 ms",
    )

    for runs in (50, 100, 200):
        query = f"{big} and run.index < {runs}"
        search_ms, _ = _timed(
            lambda query=query: _get(client, "/api/v1/metrics/search", {"q": query})
        )
        aggregate_ms, _ = _timed(
            lambda query=query: _get(
                client,
                "/api/v1/metrics/aggregate",
                {"q": query, "group": "run.hparams.lr"},
            )
        )
        report(f"  {runs} runs ({runs * 4} series): search", search_ms, "ms")
        report(f"  {runs} runs ({runs * 4} series): aggregate", aggregate_ms, "ms")

    small = 'run.experiment == "small"'
    fifty = f"{big} and run.index < {SMALL_RUNS}"
    for label, query in ((f"{SMALL_POINTS:,}", small), (f"{POINTS:,}", fifty)):
        search_ms, _ = _timed(
            lambda query=query: _get(client, "/api/v1/metrics/search", {"q": query})
        )
        report(
            f"  {SMALL_RUNS} runs x 4 series of {label} points: search", search_ms, "ms"
        )

    for points in (100, 500, 1000):
        search_ms, _ = _timed(
            lambda points=points: _get(
                client, "/api/v1/metrics/search", {"q": big, "points": points}
            )
        )
        report(
            f"  search points={points} ({RUNS * 4} series, overviews)", search_ms, "ms"
        )
    ten = f"{big} and run.index < 10"
    chunk_ms, _ = _timed(
        lambda: _get(client, "/api/v1/metrics/search", {"q": ten, "points": 2000}),
        repeats=3,
    )
    report("  search points=2000 (40 series, read from every chunk)", chunk_ms, "ms")

    for axis, extra in (
        ("relative_time", {}),
        ("metric", {"x_metric": "lr"}),
    ):
        params = {"q": f"{big} and run.index < 50", "x": axis, **extra}
        axis_ms, _ = _timed(
            lambda params=params: _get(client, "/api/v1/metrics/search", params),
            repeats=3,
        )
        report(f"  search x={axis} (200 series)", axis_ms, "ms")
