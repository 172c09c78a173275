"""Runs explorer benchmarks (issue 4 #12). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_query.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds 1,000 then 10,000 runs
with 20 params and 5 metrics each (bulk-inserted), then times through a real
daphne over HTTP: a typical filter query on the API, the explorer's first page,
and a full CSV export.
"""

import random
import statistics
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from experiments.models import Experiment
from runs.models import MetricSeries, Run
from tags.models import Tag
from tests.factories import make_user, new_hash
from tests.helpers.clients import signed_in_session, token_session
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

QUERY = 'run.hparams.lr > 0.005 and run.metrics["loss"].last < 0.5 and run.experiment == "exp-3"'
# Few matches: the database has to look at every run (worst case for a filter).
SELECTIVE = 'run.hparams.p1 > 0.999 and run.metrics["loss"].last < 0.05'
PARAMS = 20
METRICS = ("loss", "acc", "val_loss", "lr_now", "grad_norm")


def _build(count: int, owner, start: int) -> None:
    rng = random.Random(start)
    experiments = [
        Experiment.objects.get_or_create(name=f"exp-{index}")[0] for index in range(10)
    ]
    tag = Tag.objects.get_or_create(name="best")[0]
    now = timezone.now()
    runs = []
    for index in range(start, start + count):
        params = {
            "hparams": {
                "lr": rng.choice([0.001, 0.003, 0.01, 0.03, 0.1]),
                "batch_size": rng.choice([16, 32, 64]),
            },
            "dataset": {"name": rng.choice(["mnist", "cifar"]), "split": 0.8},
        }
        for key in range(PARAMS - 4):
            params["hparams"][f"p{key}"] = (
                rng.random() if key % 2 else f"value-{key % 5}"
            )
        created = now - timedelta(minutes=index)
        runs.append(
            Run(
                hash=new_hash(),
                name=f"run-{index}",
                experiment=rng.choice(experiments),
                owner=owner,
                created_at=created,
                updated_at=created,
                finished_at=created + timedelta(seconds=rng.randint(10, 9000)),
                status="finished",
                params=params,
            )
        )
    Run.objects.bulk_create(runs, batch_size=1000)
    series = []
    for run in runs:
        for name in METRICS:
            value = rng.random()
            series.append(
                MetricSeries(
                    run=run,
                    name=name,
                    context={},
                    context_key="{}",
                    count=100,
                    first_step=0,
                    last_step=99,
                    last=value,
                    min=value / 2,
                    max=value * 2,
                )
            )
    MetricSeries.objects.bulk_create(series, batch_size=2000)
    Run.tags.through.objects.bulk_create(
        [Run.tags.through(run_id=run.id, tag_id=tag.id) for run in runs[::10]],
        batch_size=2000,
    )


def _timed(function, repeat: int = 20) -> float:
    function()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def test_explorer_query_page_and_export(server):
    user = make_user("bench")
    api = token_session(user)
    browser = signed_in_session(user)
    built = 0
    for size in (1_000, 10_000):
        started = time.perf_counter()
        _build(size - built, user, built)
        built = size
        print(f"\nbuilt {size} runs in {time.perf_counter() - started:.1f} s")

        def query():
            response = api.get(
                f"{server.url}/api/v1/runs/", params={"q": QUERY}, timeout=30
            )
            assert response.status_code == 200, response.text[:300]

        def first_page():
            response = browser.get(f"{server.url}/runs/", timeout=30)
            assert response.status_code == 200 and b"run-0" in response.content

        report(
            f"filter query over HTTP, {size} runs ({QUERY})",
            _timed(query),
            "ms",
            "≤30 ms at 1k, ≤60 ms at 10k",
        )

        def selective():
            response = api.get(
                f"{server.url}/api/v1/runs/", params={"q": SELECTIVE}, timeout=30
            )
            assert response.status_code == 200, response.text[:300]

        report(
            f"selective filter over HTTP (full scan), {size} runs ({SELECTIVE})",
            _timed(selective),
            "ms",
            "—",
        )
        report(f"explorer first page, {size} runs", _timed(first_page), "ms", "≤100 ms")
        report(
            f"explorer table partial sorted by a param, {size} runs",
            _timed(
                lambda: browser.get(
                    f"{server.url}/runs/table",
                    params={"sort": '-p:["hparams","lr"]'},
                    timeout=30,
                )
            ),
            "ms",
            "—",
        )
    started = time.perf_counter()
    response = api.get(
        f"{server.url}/api/v1/runs/export.csv", params={"q": ""}, timeout=120
    )
    lines = response.content.count(b"\n") - 1
    elapsed = time.perf_counter() - started
    assert lines == built
    report(
        f"CSV export of {lines} runs ({PARAMS} params + {len(METRICS)} metrics as columns)",
        lines / elapsed,
        "runs/s",
        "≥20,000 runs/s",
    )
