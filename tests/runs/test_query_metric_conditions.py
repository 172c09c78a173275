"""`run.metrics[…]` conditions compile to `pk IN (the series that pass)` (issue 18
#2: a selective metric condition spares the params JSON read on every run it
rules out). The answers must be the Python reference's, on both databases:
runs without the param, with None, text, booleans or lists there, series
missing, in another context, NaN or infinite, archived runs, and the first page
of the runs API in its order.
"""

import math
import random
from datetime import timedelta

import pytest

from runs.models import Run
from runs.query import parse
from tests.factories import make_run, make_user
from tests.runs.query_reference import evaluate
from tests.runs.test_query_compiler import NOW, built_snapshots, check

P1_VALUES = [0.9995, 0.5, 1, 0, -3, None, "0.9995", "x", True, False, [1], {"a": 1}]
LAST_VALUES = [0.01, 0.04, 0.05, 0.5, 2.0, 0.0, -1.0, math.nan, math.inf, -math.inf]
TRAIN = '{"subset": "train"}'


def _build() -> None:
    rng = random.Random(18)
    owner = make_user()
    for index in range(60):
        hparams = {"lr": rng.choice([0.001, 0.01])}
        if index % 7:  # every seventh run has no p1 at all
            hparams["p1"] = P1_VALUES[index % len(P1_VALUES)]
        metrics = {}
        if index % 5:  # every fifth run has no "loss" series
            metrics["loss"] = [rng.random(), LAST_VALUES[index % len(LAST_VALUES)]]
        if index % 3:
            metrics[("loss", TRAIN)] = [rng.choice(LAST_VALUES)]
        make_run(
            owner,
            name=f"run-{index}",
            params={"hparams": hparams},
            metrics=metrics,
            status=rng.choice([None, "finished"]),
            created_at=NOW - timedelta(minutes=index),
            is_archived=index % 4 == 0,
        )


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    yield from built_snapshots(django_db_blocker, _build)


QUERIES = [
    'run.hparams.p1 > 0.999 and run.metrics["loss"].last < 0.05',  # the bench's
    'run.metrics["loss"].last < 0.05 and run.hparams.p1 > 0.999',
    'run.hparams.p1 > 0.999 or run.metrics["loss"].last < 0.05',
    'not (run.hparams.p1 > 0.999 and run.metrics["loss"].last < 0.05)',
    'run.metrics["loss"].last < 0.05',
    'run.metrics["loss"].last <= 0.05',
    'run.metrics["loss"].last >= 0.05',
    'run.metrics["loss"].last > 1',
    'run.metrics["loss"].last == 0.05',
    'run.metrics["loss"].last != 0.05',
    'run.metrics["loss"].last == None',
    'run.metrics["loss"].last is not None',
    'run.metrics["loss"].last',
    'not run.metrics["loss"].last',
    'run.metrics["loss"].last in [0.01, 0.5, 7]',
    'run.metrics["loss"].last not in [0.01, 0.5]',
    'run.metrics["loss"].min < 0.1 and run.metrics["loss"].max > 0.9',
    'run.metrics["loss"].count == 2 and run.metrics["loss"].last_step >= 1',
    'run.metrics["loss"].first_step == 0',
    'run.metrics["loss", {"subset": "train"}].last < 0.05',
    'run.metrics["loss", {"subset": "train"}].last > 0.001',
    'run.metrics["loss", {"subset": "other"}].last < 1',
    'run.metrics["loss", {"subset": "other"}].last is None',
    'run.metrics["loss"].last < 0.05 and run.archived',
    'run.metrics["loss"].last < 0.05 and (run.archived or not run.archived)',
    'run.hparams.p1 is None and run.metrics["loss"].last is None',
    'run.hparams.p1 == "0.9995" or run.metrics["loss"].last > 0.4',
]


@pytest.mark.parametrize("query", QUERIES)
def test_metric_conditions_match_the_python_reference(db, runs, query):
    check(query, runs)


def test_the_data_set_holds_every_awkward_case(db, runs):
    kinds = {type(run["params"]["hparams"].get("p1")).__name__ for run in runs}
    assert {"float", "int", "str", "bool", "NoneType", "list", "dict"} <= kinds
    assert any("p1" not in run["params"]["hparams"] for run in runs)
    loss = [run["metrics"].get(("loss", "{}")) for run in runs]
    assert None in loss  # runs without the series
    lasts = [series["last"] for series in loss if series]
    assert any(value is None or math.isnan(value) for value in lasts)
    assert math.inf in lasts and -math.inf in lasts
    assert any(run["archived"] for run in runs)
    assert check(QUERIES[0], runs)  # the bench's query finds some runs here


def test_runs_api_pages_keep_the_reference_order(db, runs):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(Run.objects.first().owner)
    ordered = sorted(runs, key=lambda run: run["created_at"], reverse=True)
    for query in QUERIES[:4]:
        parsed = parse(query)
        expected = [
            run["hash"]
            for run in ordered
            if evaluate(parsed.root, run)
            and (parsed.mentions_archived or not run["archived"])
        ]
        got, url, params = [], "/api/v1/runs/", {"q": query, "page_size": 4}
        while url:
            response = client.get(url, params)
            assert response.status_code == 200, response.content[:300]
            body = response.json()
            got += [row["hash"] for row in body["results"]]
            url, params = body["next"], None
        assert got == expected, query
