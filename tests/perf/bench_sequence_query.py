"""Sequence-level AimQL benchmark (issue 13 point 2). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_sequence_query.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds 10,000 runs with 4 metric
series each (bulk-inserted), then times, in process, the compile of a query
(parse + Q) and the selection of the series it matches (one SQL query over the
series joined to their runs, rows fetched). Target: compile + selection ≤ 60 ms.
On SQLite the runs are built once and kept under /tmp (tests/perf/sqlite_cache.py).
"""

import random
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from experiments.models import Experiment
from runs.contexts import context_key
from runs.models import MetricSeries, Run
from runs.query import compile_sequence_query
from tags.models import Tag
from tests.factories import make_user, new_hash
from tests.perf.report import report
from tests.perf.sqlite_cache import cached_database

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = 10_000
SERIES = (
    ("loss", {"subset": "train"}),
    ("loss", {"subset": "val"}),
    ("acc", {"subset": "val"}),
    ("__system__cpu", {}),
)
QUERIES = {
    "name + context + param (typical)": 'metric.name == "loss" and '
    'metric.context.subset == "train" and run.hparams.lr > 0.005',
    "exact context + summary": 'metric.context == {"subset": "val"} '
    "and metric.last < 0.5",
    "selective (full scan)": "metric.last < 0.001 and run.hparams.p1 > 0.99",
    "run-only (every user series of the matching runs)": 'run.experiment == "exp-3"',
    "tags + step summary": '"best" in run.tags and metric.last_step > 50',
}


def _build(owner) -> None:
    rng = random.Random(5)
    experiments = [
        Experiment.objects.get_or_create(name=f"exp-{index}")[0] for index in range(10)
    ]
    tag = Tag.objects.get_or_create(name="best")[0]
    now = timezone.now()
    runs = [
        Run(
            hash=new_hash(),
            name=f"run-{index}",
            experiment=rng.choice(experiments),
            owner=owner,
            created_at=now - timedelta(minutes=index),
            updated_at=now - timedelta(minutes=index),
            finished_at=now,
            status="finished",
            is_archived=index % 20 == 0,
            params={
                "hparams": {
                    "lr": rng.choice([0.001, 0.003, 0.01, 0.03, 0.1]),
                    **{f"p{key}": rng.random() for key in range(16)},
                }
            },
        )
        for index in range(RUNS)
    ]
    Run.objects.bulk_create(runs, batch_size=1000)
    series = []
    for run in runs:
        for name, context in SERIES:
            value = rng.random()
            series.append(
                MetricSeries(
                    run=run,
                    name=name,
                    context=context,
                    context_key=context_key(context),
                    count=100,
                    first_step=0,
                    last_step=rng.choice([49, 99]),
                    first=value * 3,
                    last=value,
                    min=value / 2,
                    max=value * 3,
                )
            )
    MetricSeries.objects.bulk_create(series, batch_size=2000)
    Run.tags.through.objects.bulk_create(
        [Run.tags.through(run_id=run.id, tag_id=tag.id) for run in runs[::10]],
        batch_size=2000,
    )
    with connection.cursor() as cursor:  # fresh statistics, as a live database has
        cursor.execute("ANALYZE")


def _median_ms(function, repeat: int = 15) -> float:
    function()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def test_sequence_query_compile_and_selection_over_10k_runs():
    started = time.perf_counter()
    if not cached_database(
        f"sequence-query-{RUNS}", lambda: _build(make_user("bench"))
    ):
        print(
            f"\nbuilt {RUNS} runs x {len(SERIES)} series on {connection.vendor} "
            f"in {time.perf_counter() - started:.1f} s"
        )
    for label, query in QUERIES.items():
        compiled = compile_sequence_query(query)

        def select(compiled=compiled) -> int:
            rows = compiled.apply(MetricSeries.objects.all()).values_list(
                "id", "run_id", "name", "context_key", "last"
            )
            return len(list(rows))

        compile_ms = _median_ms(lambda query=query: compile_sequence_query(query))
        select_ms = _median_ms(select)
        report(f"compile, {label}", compile_ms, "ms")
        report(
            f"selection of {select()} series, {label}",
            select_ms,
            "ms",
        )
        report(
            f"compile + selection, {label}",
            compile_ms + select_ms,
            "ms",
            "≤ 60 ms over 10k runs",
        )
