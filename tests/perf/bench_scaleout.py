"""Throughput through nginx with 1, 2 and 3 `aimsite up` processes (issue 18 #4).
Figures are printed, not asserted.

Run: DATABASE_URL=postgres://… REDIS_URL=redis://… python3 -m pytest -m perf -s tests/perf/bench_scaleout.py

For each process count: nginx (the README's config) in front of that many
processes; CLIENTS threads post pre-encoded track batches (POINTS_PER_BATCH
points) for WINDOW seconds → points/s; then create short runs (one request
each: the run, its params and a first batch that finishes it) → runs/s.
"""

import threading
import time

import orjson
import pytest
import requests
from django.db import connection

from tests.factories import make_token, make_user, new_hash
from tests.helpers.proxy import Cluster, nginx_available

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

CLIENTS = 8
WINDOW = 6.0
SERIES, PER_SERIES = 10, 1000  # 10k points per batch
JSON = {"Content-Type": "application/json"}


def _batch(seq: int) -> bytes:
    steps = list(range(seq * PER_SERIES, (seq + 1) * PER_SERIES))
    return orjson.dumps(
        {
            "seq": seq,
            "metrics": [
                {"name": f"m{i}", "steps": steps, "values": [0.5] * PER_SERIES}
                for i in range(SERIES)
            ],
        }
    )


def _short_run() -> bytes:
    return orjson.dumps(
        {
            "hash": new_hash(),
            "experiment": "scale",
            "params": {"lr": 0.01, "layers": 4},
            "batch": {
                "seq": 1,
                "status": "finished",
                "metrics": [
                    {"name": "loss", "steps": list(range(10)), "values": [0.1] * 10}
                ],
            },
        }
    )


def _drive(work, clients: int = CLIENTS) -> tuple[int, float]:
    """Run `work(session, stop)` in `clients` threads for WINDOW s; sum their counts."""
    stop = threading.Event()
    counts = [0] * clients

    def loop(index: int) -> None:
        counts[index] = work(index, stop)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(WINDOW)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - started


def _measure(proxy_url: str, token: str) -> tuple[float, float]:
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    batches = [_batch(seq) for seq in range(1, 200)]

    def points(index: int, stop: threading.Event) -> int:
        session = requests.Session()
        run_hash = new_hash()
        session.post(
            f"{proxy_url}/api/v1/runs/",
            data=orjson.dumps({"hash": run_hash}),
            headers=headers,
            timeout=30,
        ).raise_for_status()
        sent = 0
        for body in batches:
            if stop.is_set():
                break
            session.post(
                f"{proxy_url}/api/v1/runs/{run_hash}/track",
                data=body,
                headers=headers,
                timeout=60,
            ).raise_for_status()
            sent += SERIES * PER_SERIES
        return sent

    def runs(index: int, stop: threading.Event) -> int:
        session = requests.Session()
        made = 0
        while not stop.is_set():
            session.post(
                f"{proxy_url}/api/v1/runs/",
                data=_short_run(),
                headers=headers,
                timeout=30,
            ).raise_for_status()
            made += 1
        return made

    point_count, point_seconds = _drive(points)
    run_count, run_seconds = _drive(runs)
    return point_count / point_seconds, run_count / run_seconds


def test_throughput_through_nginx_with_1_2_3_processes():
    if not nginx_available():
        pytest.skip("nginx is not installed")
    token = make_token(make_user("scale-bench"))
    database = connection.vendor
    figures = []
    for count in (1, 2, 3):
        cluster = Cluster(count)
        try:
            cluster.start()
            figures.append((count, *_measure(cluster.proxy.url, token)))
        finally:
            cluster.stop()
    print(
        f"\nPERF scale-out through nginx ({database}, {CLIENTS} clients, {WINDOW:.0f} s each)"
    )
    base_points, base_runs = figures[0][1], figures[0][2]
    for count, points, runs in figures:
        print(
            f"PERF {count} process(es): {points:,.0f} points/s (x{points / base_points:.2f}), "
            f"{runs:,.1f} runs/s (x{runs / base_runs:.2f})"
        )
