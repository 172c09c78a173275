"""Reading series at the pace of the wire, and the server's memory (issue 18,
points 1 and 6), against a real daphne:

- a full 100,000-point series over HTTP, as JSON and as `.npy` columns in a zip
  (`Accept: application/x-npz`), request to numpy arrays (target <= 25 ms);
- the first (cold) 1M -> 1k downsample on a fresh server (target <= 50 ms),
  and the warm one;
- the server's RSS growth over a full 1M-point read (JSON and npz) and over a
  CSV export of 100,000 runs (streamed).

Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_wire.py
"""

import copy
import io
import statistics
import time

import numpy as np
import orjson
import pytest
import requests

from runs import ingest
from runs.models import MetricSeries, Run
from tests.factories import make_run, make_token, make_user, new_hash
from tests.helpers.servers import ServerProcess
from tests.perf.report import report
from tests.perf.rss import peak_rss_mib, rss_mib

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

NPZ = "application/x-npz"
BATCH = 100_000
REPEATS = 9
EXPORT_RUNS = 100_000


def _series(owner, points: int) -> MetricSeries:
    run = make_run(owner, name=f"{points} points")
    rng = np.random.default_rng(1)
    for seq, start in enumerate(range(0, points, BATCH), start=1):
        steps = np.arange(start, min(points, start + BATCH))
        values = np.exp(-steps / 300_000) + rng.normal(0, 0.02, len(steps))
        raw = {
            "seq": seq,
            "metrics": [
                {
                    "name": "loss",
                    "context": {"subset": "train"},
                    "steps": steps.tolist(),
                    "values": values.tolist(),
                    "epochs": (steps // 100_000).tolist(),
                    "times": (1.7e9 + steps * 0.01).tolist(),
                }
            ],
        }
        ingest.apply_batch(run, ingest.parse_batch(raw))
    return MetricSeries.objects.get(run=run)


def _session(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {make_token(user)}"
    return session


def _url(server, series, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{server.url}/api/v1/runs/{series.run.hash}/metrics/{series.id}/points" + (
        f"?{query}" if query else ""
    )


def _as_json(session, url) -> tuple[int, np.ndarray]:
    answer = session.get(url, timeout=120)
    answer.raise_for_status()
    body = orjson.loads(answer.content)
    return len(answer.content), np.asarray(body["values"], np.float64)


def _as_npz(session, url) -> tuple[int, np.ndarray]:
    answer = session.get(url, headers={"Accept": NPZ}, timeout=120)
    answer.raise_for_status()
    with np.load(io.BytesIO(answer.content)) as archive:
        return len(answer.content), archive["values"]


def _median_ms(fn, repeats: int = REPEATS) -> tuple[float, object]:
    fn()  # warm
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def test_full_100k_series_json_and_npz():
    user = make_user()
    series = _series(user, 100_000)
    server = ServerProcess().start()
    try:
        session = _session(user)
        url = _url(server, series)
        json_ms, (json_size, json_values) = _median_ms(lambda: _as_json(session, url))
        npz_ms, (npz_size, npz_values) = _median_ms(lambda: _as_npz(session, url))
        assert len(npz_values) == len(json_values) == 100_000
        report("full 100k series, JSON, request -> numpy (median of 9)", json_ms, "ms")
        report("  JSON answer size", json_size / 1e6, "MB")
        report(
            "full 100k series, npz, request -> numpy (median of 9)",
            npz_ms,
            "ms",
            "<= 25 ms",
        )
        report("  npz answer size", npz_size / 1e6, "MB")
        print(
            f"\nPERF RSS daphne after 100k reads: {rss_mib(server.process.pid):,.1f} MiB"
        )
    finally:
        server.stop()


def test_million_point_downsample_cold_and_read_memory():
    user = make_user()
    series = _series(user, 1_000_000)
    server = ServerProcess().start()
    try:
        session = _session(user)
        pid = server.process.pid
        # Warm the process (imports, URL resolver, auth, this endpoint's code) on
        # another series: "cold" is the first downsample of this series' data.
        other = _series(user, 10_000)
        session.get(_url(server, other, max_points=1000)).raise_for_status()
        before = rss_mib(pid)
        url = _url(server, series, max_points=1000)
        started = time.perf_counter()
        first = session.get(url, timeout=120)
        cold_ms = (time.perf_counter() - started) * 1000
        first.raise_for_status()
        report("1M -> 1k downsample, first (cold) request", cold_ms, "ms", "<= 50 ms")
        warm_ms, _ = _median_ms(lambda: session.get(url, timeout=120))
        report("1M -> 1k downsample, warm (median of 9)", warm_ms, "ms", "<= 50 ms")

        for name, read in (("npz", _as_npz), ("JSON", _as_json)):
            started = time.perf_counter()
            size, values = read(session, _url(server, series))
            elapsed = (time.perf_counter() - started) * 1000
            assert len(values) == 1_000_000
            report(f"full 1M series, {name}, request -> numpy", elapsed, "ms")
            report(f"  {name} answer size", size / 1e6, "MB")
            report(
                f"  daphne peak RSS growth after the {name} read",
                peak_rss_mib(pid) - before,
                "MiB",
            )
        print(f"\nPERF RSS daphne before the reads: {before:,.1f} MiB")
        print(f"\nPERF RSS daphne after the reads: {rss_mib(pid):,.1f} MiB")
    finally:
        server.stop()


def _bulk_runs(owner, count: int) -> None:
    template = make_run(
        owner, experiment="export", params={"lr": 0.001, "hparams": {"batch": 64}}
    )
    for start in range(0, count - 1, 10_000):
        runs = []
        for index in range(start, min(count - 1, start + 10_000)):
            run = copy.copy(template)
            run.pk = run.id = None
            run.hash = new_hash()
            run.name = f"run {index}"
            run.params = {"lr": 0.001 * (index % 10), "hparams": {"batch": index % 7}}
            runs.append(run)
        Run.objects.bulk_create(runs)


def test_csv_export_of_100k_runs_memory():
    user = make_user()
    started = time.perf_counter()
    _bulk_runs(user, EXPORT_RUNS)
    report(f"build {EXPORT_RUNS:,} runs (bulk)", time.perf_counter() - started, "s")
    server = ServerProcess().start()
    try:
        session = _session(user)
        pid = server.process.pid
        session.get(f"{server.url}/api/v1/runs/?limit=1").raise_for_status()
        before = rss_mib(pid)
        started = time.perf_counter()
        size = lines = 0
        with session.get(
            f"{server.url}/api/v1/runs/export.csv",
            stream=True,
            timeout=600,
        ) as answer:
            answer.raise_for_status()
            for block in answer.iter_content(1 << 16):
                size += len(block)
                lines += block.count(b"\n")
        elapsed = time.perf_counter() - started
        assert lines == EXPORT_RUNS + 1
        report(f"CSV export of {EXPORT_RUNS:,} runs", elapsed, "s")
        report("  CSV size", size / 1e6, "MB")
        report(
            "  daphne peak RSS growth over the export",
            peak_rss_mib(pid) - before,
            "MiB",
        )
        print(
            f"\nPERF RSS daphne before/after the export: {before:,.1f} / {rss_mib(pid):,.1f} MiB"
        )
    finally:
        server.stop()
