"""Ingest and read-back benchmarks (issue: foundation). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_ingest.py
"""

import os
import statistics
import subprocess
import sys
import time

import numpy as np
import orjson
import pytest
import requests
from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Length

from runs.models import MetricChunk, MetricSeries
from tests.factories import make_user, new_hash
from tests.helpers.clients import token_session
from tests.helpers.servers import REPO, free_port
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]


DATABASE = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"

# The batches are pre-encoded bytes, so requests cannot set the type itself.
JSON = {"Content-Type": "application/json"}


def _new_run(server, api: requests.Session) -> str:
    run_hash = new_hash()
    api.post(
        f"{server.url}/api/v1/runs/", json={"hash": run_hash}, timeout=30
    ).raise_for_status()
    return run_hash


def _batch(seq: int, start: int, per_series: int, series: int) -> bytes:
    steps = list(range(start, start + per_series))
    rng = np.random.default_rng(seq)
    return orjson.dumps(
        {
            "seq": seq,
            "metrics": [
                {
                    "name": f"metric_{i}",
                    "context": {"subset": "train"},
                    "steps": steps,
                    "values": rng.random(per_series).tolist(),
                    "times": (1.7e9 + np.arange(per_series) * 0.1).tolist(),
                }
                for i in range(series)
            ],
        }
    )


def _fill(
    server,
    api: requests.Session,
    run_hash: str,
    total: int,
    per_batch: int = 100_000,
    series: int = 1,
) -> None:
    per_series = per_batch // series
    for seq, start in enumerate(range(0, total // series, per_series)):
        api.post(
            f"{server.url}/api/v1/runs/{run_hash}/track",
            data=_batch(seq, start, per_series, series),
            headers=JSON,
            timeout=120,
        ).raise_for_status()


def test_ingest_points_per_second(server):
    api = token_session(make_user())
    run_hash = _new_run(server, api)
    series, per_series, batches = 10, 10_000, 10
    bodies = [
        _batch(seq, seq * per_series, per_series, series) for seq in range(batches)
    ]
    started = time.perf_counter()
    for body in bodies:
        api.post(
            f"{server.url}/api/v1/runs/{run_hash}/track",
            data=body,
            headers=JSON,
            timeout=120,
        ).raise_for_status()
    elapsed = time.perf_counter() - started
    total = series * per_series * batches
    assert (
        MetricSeries.objects.filter(run__hash=run_hash).aggregate(n=Sum("count"))["n"]
        == total
    )
    report(
        f"ingest through runs/{{hash}}/track (10 series x 100k points, 10 batches, "
        f"{DATABASE})",
        total / elapsed,
        "points/s",
        ">= 200,000/s",
    )

    small_hash = _new_run(server, api)
    small_bodies = [_batch(seq, seq * 100, 100, 5) for seq in range(200)]
    started = time.perf_counter()
    for body in small_bodies:
        api.post(
            f"{server.url}/api/v1/runs/{small_hash}/track",
            data=body,
            headers=JSON,
            timeout=60,
        ).raise_for_status()
    elapsed = time.perf_counter() - started
    report(
        "small batches (500 points each, as a live SDK sends)",
        len(small_bodies) / elapsed,
        "batches/s",
        "n/a",
    )

    stored = MetricChunk.objects.filter(series__run__hash=run_hash).aggregate(
        b=Sum(Length("data"))
    )["b"]
    report("bytes on disk per point (chunk payload)", stored / total, "bytes", "small")


def _median_get(url: str, api: requests.Session, repeat: int = 7) -> tuple[float, int]:
    timings, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        answer = api.get(url, timeout=60)
        timings.append(time.perf_counter() - started)
        answer.raise_for_status()
        size = len(answer.content)
    return statistics.median(timings), size


def test_read_back_and_downsample(server):
    api = token_session(make_user())
    hundred_k = _new_run(server, api)
    _fill(server, api, hundred_k, 100_000)
    series = MetricSeries.objects.get(run__hash=hundred_k)
    seconds, size = _median_get(
        f"{server.url}/api/v1/runs/{hundred_k}/metrics/{series.id}/points", api
    )
    report(
        f"read-back of a 100,000-point series over HTTP ({size / 1e6:.1f} MB JSON)",
        seconds * 1000,
        "ms",
        "<= 60 ms",
    )

    million = _new_run(server, api)
    _fill(server, api, million, 1_000_000, per_batch=250_000)
    series = MetricSeries.objects.get(run__hash=million)
    seconds, size = _median_get(
        f"{server.url}/api/v1/runs/{million}/metrics/{series.id}/points?max_points=1000",
        api,
    )
    report(
        f"1,000,000-point series downsampled to 1,000 over HTTP ({size / 1e3:.0f} kB)",
        seconds * 1000,
        "ms",
        "<= 100 ms",
    )


def test_server_start_until_ready(tmp_path):
    env = {**os.environ, "AIMSITE_DATA_DIR": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True
    )
    timings = []
    for _ in range(3):
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "up", "--no-migrate", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    if (
                        requests.get(
                            f"http://127.0.0.1:{port}/accounts/login/", timeout=1
                        ).status_code
                        == 200
                    ):
                        break
                except requests.ConnectionError:
                    time.sleep(0.02)
            timings.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(10)
    report(
        "server start until ready (aimsite up, migrated DB)",
        statistics.median(timings),
        "s",
        "<= 2 s",
    )
