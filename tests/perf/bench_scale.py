"""Search at scale (issue 18 point 2). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_scale.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds AIMSITE_BENCH_RUNS runs
(default 100,000) with 20 params and 10 series each through the ingest service
(`create_runs`, batches of 100 runs as `POST /runs/` with a list), then times over
HTTP against a real daphne: the runs search (first page of 50, 1,000 rows, a
selective and an unselective query), the runs explorer's first load (page HTML +
table data), the CSV export (time, and that it streams), the `experiments/` list
and the Metrics explorer's `metrics/search` on a narrowing query.

SQLite: the built database is kept as /tmp/aimsite-bench-scale-<N>.sqlite3 and
copied in on the next run (delete it after a schema change). PostgreSQL builds
into pytest-django's test database every time.
"""

import os
import random
import shutil
import time
from pathlib import Path

import pytest
from django.db import connection

from runs import ingest
from tests.factories import make_user, new_hash
from tests.helpers.clients import signed_in_session, token_session
from tests.perf.bench_query import _report, _timed

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = int(os.environ.get("AIMSITE_BENCH_RUNS", "100000"))
PARAMS = 20
SERIES = ("loss", "acc", "val_loss", "val_acc", "lr_now")  # x 2 contexts = 10
UNSELECTIVE = 'run.hparams.lr > 0.002 and run.experiment != "exp-0"'
SELECTIVE = 'run.hparams.p1 > 0.999 and run.metrics["loss"].last < 0.05'
NARROW = 'run.experiment == "exp-3" and run.hparams.p1 > 0.99'
BENCH_USER = "scale-bench"


def _cache_path() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    return Path(f"/tmp/aimsite-bench-scale-{RUNS}.sqlite3")


def _build(owner) -> None:
    rng = random.Random(18)
    for start in range(0, RUNS, 100):
        items = []
        for index in range(start, min(start + 100, RUNS)):
            hparams = {
                "lr": rng.choice([0.001, 0.003, 0.01, 0.03, 0.1]),
                "batch_size": rng.choice([16, 32, 64]),
            }
            for key in range(PARAMS - 4):
                hparams[f"p{key}"] = rng.random() if key % 2 else f"value-{key % 5}"
            metrics = []
            for name in SERIES:
                for subset in ("train", "val"):
                    metrics.append(
                        {
                            "name": name,
                            "context": {"subset": subset},
                            "steps": list(range(10)),
                            "values": [rng.random() for _ in range(10)],
                        }
                    )
            items.append(
                ingest.NewRun(
                    hash=new_hash(),
                    experiment=f"exp-{index % 10}",
                    name=f"run-{index}",
                    params={
                        "hparams": hparams,
                        "dataset": {"name": rng.choice(["mnist", "cifar"])},
                    },
                    tags=["best"] if index % 10 == 0 else None,
                    batch=ingest.parse_batch({"seq": 0, "metrics": metrics}),
                )
            )
        outcomes = ingest.create_runs(owner, items)
        assert not any(isinstance(item, ingest.IngestError) for item in outcomes)


def _database(user_factory):
    """The bench user, with RUNS runs built (or copied from the SQLite cache)."""
    from django.contrib.auth import get_user_model

    cache = _cache_path()
    if cache is not None and cache.exists():
        name = connection.settings_dict["NAME"]
        connection.close()
        for suffix in ("-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        shutil.copyfile(cache, name)
        print(f"\ncopied {RUNS} runs from {cache}")
        return get_user_model().objects.get(username=BENCH_USER)
    owner = user_factory(BENCH_USER)
    started = time.perf_counter()
    _build(owner)
    elapsed = time.perf_counter() - started
    _report(f"build {RUNS} runs through create_runs", RUNS / elapsed, "runs/s", "—")
    if cache is not None:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = connection.settings_dict["NAME"]
        connection.close()
        shutil.copyfile(name, cache)
    return owner


def _rows(api, url: str, query: str, wanted: int) -> int:
    """Follow the API's cursor until `wanted` rows (or the end); rows read."""
    rows = 0
    params = {"q": query, "page_size": min(wanted, 500)}
    while url and rows < wanted:
        response = api.get(url, params=params, timeout=60)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        rows += len(body["results"])
        url, params = body["next"], None
    return rows


def test_search_at_scale(server):
    owner = _database(make_user)
    api = token_session(owner)
    browser = signed_in_session(owner)
    runs_url = f"{server.url}/api/v1/runs/"

    for label, query in (("unselective", UNSELECTIVE), ("selective", SELECTIVE)):
        _report(
            f"runs search first page (50), {label}, {RUNS} runs",
            _timed(lambda q=query: _rows(api, runs_url, q, 50), repeat=7),
            "ms",
            "≤100 ms",
        )
    assert _rows(api, runs_url, UNSELECTIVE, 1000) == 1000
    _report(
        f"runs search 1,000 rows (2 pages of 500), unselective, {RUNS} runs",
        _timed(lambda: _rows(api, runs_url, UNSELECTIVE, 1000), repeat=5),
        "ms",
        "≤60 ms at 10k",
    )

    def first_load():
        page = browser.get(f"{server.url}/runs/", timeout=60)
        assert page.status_code == 200 and b"run-" in page.content
        table = browser.get(f"{server.url}/runs/table", timeout=60)
        assert table.status_code == 200

    _report(
        f"runs explorer first load (page HTML + table), {RUNS} runs",
        _timed(first_load, repeat=5),
        "ms",
        "—",
    )

    def experiments():
        response = browser.get(f"{server.url}/experiments/", timeout=60)
        assert response.status_code == 200 and b"exp-3" in response.content

    _report(f"experiments/ list, {RUNS} runs", _timed(experiments, repeat=5), "ms", "—")

    def metrics_search():
        response = api.get(
            f"{server.url}/api/v1/metrics/search",
            params={"q": NARROW, "points": 50},
            timeout=60,
        )
        assert response.status_code == 200, response.text[:300]

    _report(
        f"metrics/search narrowing ({NARROW}), {RUNS} runs",
        _timed(metrics_search, repeat=5),
        "ms",
        "—",
    )

    started = time.perf_counter()
    with api.get(
        f"{runs_url}export.csv", params={"q": ""}, timeout=600, stream=True
    ) as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers  # streamed
        chunks = iter(response.iter_content(chunk_size=65536))
        first = next(chunks)
        first_byte = time.perf_counter() - started
        lines = first.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)
    elapsed = time.perf_counter() - started
    assert lines - 1 == RUNS
    _report("CSV export first bytes after", first_byte * 1000, "ms", "—")
    _report(
        f"CSV export of {RUNS} runs (streamed)",
        RUNS / elapsed,
        "runs/s",
        "≥20,000 runs/s",
    )
