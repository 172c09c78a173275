"""Reading runs back (issue 15, point 2): 100 runs x 10,000 points through the
SDK's `Repo` from a real daphne, as a notebook would.

Prints, for 10 and for 100 runs:
- the time to pull every curve into numpy (`query_metrics` + `.values` and
  friends) and into one pandas DataFrame (`.dataframe()`);
- the Python heap's peak (tracemalloc) while streaming the curves one series at
  a time: it should not grow with the number of runs (memory stays flat);
- the peak while building the DataFrame of all of them, next to the frame's own
  size (what holding the answer costs in any case).
Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_readback.py
"""

import gc
import statistics
import time
import tracemalloc

import numpy as np
import pytest

from aimsite.sdk import Repo
from runs import ingest
from tests.factories import make_run, make_token
from tests.helpers.optional import import_or_skip
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = 100
POINTS = 10_000
REPEATS = 3


def _seed(owner, experiment: str, runs: int) -> None:
    steps = np.arange(POINTS)
    for index in range(runs):
        run = make_run(owner, experiment=experiment, params={"seed": index})
        values = np.exp(-steps / 3000) + np.random.default_rng(index).normal(
            0, 0.01, POINTS
        )
        raw = {
            "seq": 1,
            "metrics": [
                {
                    "name": "loss",
                    "context": {"subset": "train"},
                    "steps": steps.tolist(),
                    "values": values.tolist(),
                    "epochs": (steps // 1000).tolist(),
                    "times": (1.7e9 + steps * 0.05).tolist(),
                }
            ],
        }
        ingest.apply_batch(run, ingest.parse_batch(raw))


def _stream(repo: Repo, query: str) -> int:
    """Every curve, one series at a time, reduced and dropped."""
    points = 0
    for metric in repo.query_metrics(query):
        points += len(metric.values)
        float(np.nanmean(metric.values))
    return points


def _frame(repo: Repo, query: str):
    return repo.query_metrics(query).dataframe(include_run=False)


def _timed(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _peak_mb(fn) -> tuple[float, object]:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, result


def test_bench_reading_100_runs_back(server, user):
    import_or_skip("pandas")
    _seed(user, "bench-few", RUNS // 10)
    _seed(user, "bench-all", RUNS)
    repo = Repo(server.url, token=make_token(user))

    for label, runs in (("10 runs", RUNS // 10), ("100 runs", RUNS)):
        experiment = "bench-few" if runs < RUNS else "bench-all"
        query = f'run.experiment == "{experiment}" and metric.name == "loss"'
        seconds, points = _timed(lambda query=query: _stream(repo, query))
        assert points == runs * POINTS
        report(
            f"readback {label} x {POINTS:,} points into numpy",
            seconds,
            "s",
            "a few seconds for 100 runs",
        )
        report(f"readback {label} points/s", points / seconds, "points/s")
        seconds, frame = _timed(lambda query=query: _frame(repo, query))
        assert len(frame) == runs * POINTS
        report(f"readback {label} into one pandas DataFrame", seconds, "s")
        peak, _ = _peak_mb(lambda query=query: _stream(repo, query))
        report(
            f"readback {label} streamed: heap peak",
            peak,
            "MB",
            "flat: the same for 10 and 100 runs",
        )
        peak, frame = _peak_mb(lambda query=query: _frame(repo, query))
        frame_mb = frame.memory_usage(deep=True).sum() / 2**20
        report(f"readback {label} DataFrame: heap peak", peak, "MB")
        report(f"readback {label} DataFrame itself", frame_mb, "MB")
        del frame
