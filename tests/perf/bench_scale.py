"""Search at scale (issue 18 point 2). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_scale.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds AIMSITE_BENCH_RUNS runs
(default 100,000) with 20 params and 10 series each through the ingest service
(`create_runs`, batches of 100 runs as `POST /runs/` with a list), then times over
HTTP against a real daphne: the runs search (first page of 50, 1,000 rows, a
selective, an unselective and an unselective metric query), the runs
explorer's first load (page HTML + table data), the CSV export (time, and that
it streams), the `experiments/` list and the Metrics explorer's
`metrics/search` on a narrowing query.

The build climbs a ladder (10k, 25k, 50k, 75k, then RUNS) and keeps each rung:
SQLite as /tmp/aimsite-bench-scale-<N>.sqlite3 (copied in on the next run),
PostgreSQL as the database <NAME>_bench_<N>, from which the test database is
created (TEMPLATE; AIMSITE_BENCH_PG_KEEP=<name> reads <name>_bench_<N>, so
that a measurement need not share the build's test database). Delete them
after a schema change. With
AIMSITE_BENCH_BUILD_ONLY=1 it only builds (resuming from the largest kept rung):
run that in the background, then measure.
"""

import os
import random
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from runs import ingest
from runs.models import Run
from tests.factories import make_user, new_hash
from tests.helpers.clients import signed_in_session, token_session
from tests.perf.bench_query import _timed
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = int(os.environ.get("AIMSITE_BENCH_RUNS", "100000"))
PARAMS = 20
SERIES = ("loss", "acc", "val_loss", "val_acc", "lr_now")  # x 2 contexts = 10
UNSELECTIVE = 'run.hparams.lr > 0.002 and run.experiment != "exp-0"'
SELECTIVE = 'run.hparams.p1 > 0.999 and run.metrics["loss"].last < 0.05'
# Every run has this series and ~90% pass: the page is found in the first runs.
METRIC_UNSELECTIVE = 'run.metrics["loss", {"subset": "train"}].last < 0.9'
NARROW = 'run.experiment == "exp-3" and run.hparams.p1 > 0.99'
BENCH_USER = "scale-bench"


LADDER = [size for size in (10_000, 25_000, 50_000, 75_000) if size < RUNS] + [RUNS]


def _pg_cache_name(size: int) -> str:
    """The PostgreSQL database keeping `size` built runs (a template, never served)."""
    base = os.environ.get("AIMSITE_BENCH_PG_KEEP") or settings.DATABASES["default"][
        "NAME"
    ].removeprefix("test_")
    return f"{base}_bench_{size}"


def _cache_path(size: int) -> Path:
    return Path(f"/tmp/aimsite-bench-scale-{size}.sqlite3")


def _pg_admin():
    """An autocommit connection to the server's `postgres` database."""
    import psycopg

    database = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=database["USER"],
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        autocommit=True,
    )


def _cached_sizes() -> list[int]:
    """Rungs of the ladder already built and kept, smallest first."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [size for size in LADDER if _cache_path(size).exists()]
    with _pg_admin() as admin:
        names = {
            row[0]
            for row in admin.execute("SELECT datname FROM pg_database").fetchall()
        }
    return [size for size in LADDER if _pg_cache_name(size) in names]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """On PostgreSQL, the test database starts as a copy of the largest kept build
    (CREATE DATABASE … TEMPLATE): building 100,000 runs takes long."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        kept = _cached_sizes()
        if kept:
            test = settings.DATABASES["default"].setdefault("TEST", {})
            test["TEMPLATE"] = _pg_cache_name(kept[-1])


def _keep(size: int) -> None:
    """Keep the database as built so far as the cache for `size` runs."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        name = connection.settings_dict["NAME"]
        connection.close()
        partial = _cache_path(size).with_suffix(".partial")
        shutil.copyfile(name, partial)
        partial.rename(_cache_path(size))
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_pg_cache_name(size)}"')
        admin.execute(f'CREATE DATABASE "{_pg_cache_name(size)}" TEMPLATE "{name}"')


def _restore(size: int) -> None:
    """SQLite: copy the cache for `size` runs over the test database, then apply
    the migrations it predates (an index added since it was built); PostgreSQL's
    test database was already created from it and migrated, see
    django_db_modify_db_settings."""
    if connection.vendor != "sqlite":
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(name + suffix).unlink(missing_ok=True)
    shutil.copyfile(_cache_path(size), name)
    call_command("migrate", verbosity=0)


def _build(owner, start: int, stop: int) -> None:
    for first in range(start, stop, 100):
        rng = random.Random(18_000_000 + first)  # by batch: a build can resume
        items = []
        for index in range(first, min(first + 100, stop)):
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


def _database():
    """The bench user with RUNS runs: built up the ladder (10k, 25k, … RUNS) from
    the largest kept rung, keeping each rung as it is reached (so an interrupted
    build resumes, and the figures can be taken at any kept size)."""
    from django.contrib.auth import get_user_model

    kept = _cached_sizes()
    if kept:
        _restore(kept[-1])
        owner = get_user_model().objects.get(username=BENCH_USER)
        print(f"\nstarting from {kept[-1]} kept runs")
    else:
        owner = make_user(BENCH_USER)
    built = Run.objects.count()
    for size in LADDER:
        if size <= built:
            continue
        started = time.perf_counter()
        _build(owner, built, size)
        elapsed = time.perf_counter() - started
        report(
            f"build {built}..{size} runs through create_runs",
            (size - built) / elapsed,
            "runs/s",
            "—",
        )
        built = size
        _keep(size)
    if connection.vendor == "postgresql":
        # Planner statistics, as autovacuum keeps them on a live database (a
        # copied template has none; without them PostgreSQL guesses its plans).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return owner


BUILD_ONLY = bool(os.environ.get("AIMSITE_BENCH_BUILD_ONLY"))


@pytest.mark.skipif(not BUILD_ONLY, reason="set AIMSITE_BENCH_BUILD_ONLY=1")
def test_build_at_scale():
    """Only builds (and keeps) the RUNS-run database: run it in the background."""
    _database()


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


@pytest.mark.skipif(BUILD_ONLY, reason="AIMSITE_BENCH_BUILD_ONLY is set")
def test_search_at_scale(server):
    owner = _database()
    api = token_session(owner)
    browser = signed_in_session(owner)
    runs_url = f"{server.url}/api/v1/runs/"

    for label, query in (
        ("unselective", UNSELECTIVE),
        ("selective", SELECTIVE),
        ("unselective metric condition", METRIC_UNSELECTIVE),
    ):
        report(
            f"runs search first page (50), {label}, {RUNS} runs",
            _timed(lambda q=query: _rows(api, runs_url, q, 50), repeat=7),
            "ms",
            "≤100 ms",
        )
    assert _rows(api, runs_url, UNSELECTIVE, 1000) == 1000
    report(
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

    report(
        f"runs explorer first load (page HTML + table), {RUNS} runs",
        _timed(first_load, repeat=5),
        "ms",
        "—",
    )
    for label, query in (("unselective", UNSELECTIVE), ("selective", SELECTIVE)):

        def table(q=query):  # the first page and its total (a COUNT when full)
            response = browser.get(
                f"{server.url}/runs/table", params={"q": q}, timeout=60
            )
            assert response.status_code == 200

        report(
            f"runs explorer table with its total, {label}, {RUNS} runs",
            _timed(table, repeat=5),
            "ms",
            "—",
        )

    def experiments():
        response = browser.get(f"{server.url}/experiments/", timeout=60)
        assert response.status_code == 200 and b"exp-3" in response.content

    report(f"experiments/ list, {RUNS} runs", _timed(experiments, repeat=5), "ms", "—")

    def metrics_search():
        response = api.get(
            f"{server.url}/api/v1/metrics/search",
            params={"q": NARROW, "points": 50},
            timeout=60,
        )
        assert response.status_code == 200, response.text[:300]

    report(
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
    report("CSV export first bytes after", first_byte * 1000, "ms", "—")
    report(
        f"CSV export of {RUNS} runs (streamed)",
        RUNS / elapsed,
        "runs/s",
        "≥20,000 runs/s",
    )
