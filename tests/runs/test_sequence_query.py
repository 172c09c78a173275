"""Sequence-level AimQL (`metric.*` with `run.*`) against the Python reference,
over a few hundred generated runs and their series.

Runs on whichever database DATABASE_URL names (SQLite by default; PostgreSQL with
DATABASE_URL=postgres://…), so the same assertions cover both vendors.
"""

import math
import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.models import Experiment
from runs.contexts import context_key
from runs.models import MetricSeries, Run
from runs.query import QueryError, filter_series, parse
from tests.factories import make_tag, make_user, new_hash
from tests.runs.query_reference import evaluate, series_rows, snapshot
from tests.runs.test_query_compiler import EXPERIMENTS, NAMES, NOW, PARAM_VALUES

SYSTEM = "__system__"
METRIC_NAMES = ["loss", "acc", "val_loss", "Loss", "lr", "__system__cpu"]
CONTEXTS = [
    {},
    {"subset": "train"},
    {"subset": "val"},
    {"subset": "train", "epoch": 2},
    {"subset": None},
    {"subset": 1},
    {"subset": True},
    {"subset": ""},
    {"epoch": 1.5},
    {"epoch": 2},
    {"subset": "Train"},
]


def _summary(rng: random.Random) -> dict:
    """Summary columns as ingest would leave them, with the odd cases: an empty
    series (all None), ±inf and NaN (NULL on SQLite), integer-valued floats."""
    kind = rng.random()
    if kind < 0.08:
        return {"count": 0}
    values = [
        rng.choice([rng.uniform(-1, 2), 0.0, 0.5, 1.0, math.inf, -math.inf, math.nan])
        if rng.random() < 0.15
        else rng.uniform(0, 2)
        for _ in range(rng.randint(1, 4))
    ]
    finite = [value for value in values if value == value]
    first_step = rng.choice([0, 0, 1, 50])
    return {
        "count": len(values),
        "first_step": first_step,
        "last_step": first_step + rng.choice([0, 99, 100, 101, 500]),
        "first": values[0],
        "last": values[-1],
        "min": min(finite) if finite else None,
        "max": max(finite) if finite else None,
    }


def _build(seed: int = 13, count: int = 300) -> None:
    rng = random.Random(seed)
    owner = make_user()
    tags = [make_tag("best"), make_tag("tuned"), make_tag("old", is_archived=True)]
    experiments = [Experiment.objects.create(name=name) for name in EXPERIMENTS]
    runs = []
    for index in range(count):
        params = {"hparams": {}, "dataset": {"name": rng.choice(["mnist", "cifar"])}}
        for key in ("lr", "opt", "flag", "batch"):
            if rng.random() < 0.8:
                params["hparams"][key] = rng.choice(PARAM_VALUES)
        created = NOW - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
        status = rng.choice(["active", "finished", "failed"])
        runs.append(
            Run(
                hash=new_hash(),
                name=rng.choice(NAMES) + ("" if index % 3 else f"-{index}"),
                experiment=rng.choice(experiments),
                owner=owner,
                created_at=created,
                updated_at=created + timedelta(minutes=rng.randint(0, 300)),
                finished_at=None
                if status == "active"
                else created + timedelta(seconds=rng.choice([30, 3601, 90000])),
                status=status,
                is_archived=rng.random() < 0.15,
                params=params,
                meta={"__system_params": {"hostname": rng.choice(["h1", "h2"])}},
            )
        )
    Run.objects.bulk_create(runs)
    series = []
    for run in runs:
        pairs = {
            (rng.choice(METRIC_NAMES), rng.randrange(len(CONTEXTS)))
            for _ in range(rng.randint(0, 5))
        }
        for name, context_index in sorted(pairs):
            context = CONTEXTS[context_index]
            series.append(
                MetricSeries(
                    run=run,
                    name=name,
                    context=context,
                    context_key=context_key(context),
                    **_summary(rng),
                )
            )
    MetricSeries.objects.bulk_create(series)
    through = Run.tags.through
    through.objects.bulk_create(
        through(run_id=run.id, tag_id=tag.id)
        for run in runs
        for tag in rng.sample(tags, rng.randint(0, 2))
    )


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            _build()
            result = []
            for run in Run.objects.select_related("experiment").prefetch_related(
                "tags", "metrics"
            ):
                result += series_rows(snapshot(run, NOW), run.metrics.all())
            yield result
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def check(query: str, rows: list[dict]) -> set[int]:
    parsed = parse(query, {"run", "metric"})
    expected = {
        row["metric"]["id"]
        for row in rows
        if evaluate(parsed.root, row)
        and (parsed.mentions_archived or not row["archived"])
        and (SYSTEM in query or not row["metric"]["name"].startswith(SYSTEM))
    }
    got = set(
        filter_series(MetricSeries.objects.all(), query, now=NOW).values_list(
            "id", flat=True
        )
    )
    assert got == expected, (
        f"{query}: extra {len(got - expected)}, missing {len(expected - got)}"
    )
    return got


CONSTRUCTS = [
    "",
    "True",
    # metric.name
    'metric.name == "loss"',
    'metric.name != "loss"',
    'metric.name in ["loss", "acc"]',
    'metric.name not in ("loss",)',
    'metric.name.startswith("l")',
    'metric.name.lower() == "loss"',
    're.match("val_", metric.name)',
    '"loss" in metric.name',
    'metric.name > "b"',
    "metric.name",
    # metric.context
    'metric.context.subset == "train"',
    'metric.context["subset"] == "train"',
    'metric.context.subset != "train"',
    "metric.context.subset is None",
    "metric.context.subset is not None",
    "metric.context.subset == 1",
    "metric.context.subset == True",
    "metric.context.subset is True",
    'metric.context.subset == ""',
    "metric.context.subset",
    "not metric.context.subset",
    'metric.context.subset > "a"',
    "metric.context.subset < 2",
    'metric.context.subset in ["train", "val", 1]',
    'metric.context.subset.upper() == "TRAIN"',
    'metric.context.subset.startswith("t")',
    '"ai" in metric.context.subset',
    "metric.context.epoch > 1",
    "metric.context.epoch == 2",
    "metric.context.missing is None",
    "metric.context.missing == 1",
    'metric.context == {"subset": "train"}',
    'metric.context != {"subset": "train"}',
    'metric.context == {"epoch": 2, "subset": "train"}',
    "metric.context == {}",
    "metric.context",
    "not metric.context",
    '"subset" in metric.context',
    '"subset" not in metric.context',
    "metric.context == 1",
    # summaries
    "metric.last < 0.5",
    "metric.last >= 0.5",
    "metric.last == 1",
    "metric.last == 0",
    "metric.last is None",
    "metric.last is not None",
    "metric.last",
    "not metric.last",
    "metric.first > 1",
    "metric.min < 0",
    "metric.max > 1.5",
    "metric.max >= 1e308",
    "metric.min <= -1e308",
    "metric.count == 0",
    "metric.count >= 3",
    "metric.first_step == 0",
    "metric.first_step > 0",
    "metric.last_step > 100",
    "metric.last_step in [99, 100]",
    "0.2 < metric.last < 0.8",
    # combined with run.*
    'metric.name == "loss" and run.hparams.lr > 0.005',
    "metric.last < 0.5 and run.hparams.lr > 1e-4",
    'metric.name == "acc" or run.experiment == "baseline"',
    'metric.name == "loss" and "best" in run.tags',
    '"tuned" not in run.tags and metric.count > 1',
    'run.name.startswith("bert") and metric.last is not None',
    'run.hparams.opt == "adam" and metric.context.subset == "val"',
    "run.duration > 3600 and metric.last_step >= 100",
    "run.active and metric.max > 1",
    "run.end_time is None or metric.first_step == 1",
    "run.created_at > datetime(2026, 3, 1) and metric.min < 0.5",
    'run["__system_params", "hostname"] == "h1" and metric.name == "lr"',
    'run.__system_params.hostname == "h1" and metric.name == "lr"',
    "run.created_at.day < 5 and metric.min < 0.5",
    'run.created_at.strftime("%Y-%m-%d") >= "2026-03-05" and metric.name == "loss"',
    "run.end_time.hour >= 12 or run.created_at.weekday() == 0",
    'run.metrics["loss"].last < 1 and metric.name == "acc"',
    'run.metrics["loss", {"subset": "val"}].last is not None',
    "run.hparams.lr > 0.005",
    'run.experiment == "tuned"',
    'not (metric.name == "loss" or metric.last > 1)',
    # archived and system series
    "run.archived",
    "run.archived and metric.last < 1",
    "not run.archived or run.archived",
    'metric.name == "__system__cpu"',
    'metric.name.startswith("__system__")',
    'metric.name != "__system__cpu"',
]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_series_query_matches_the_python_reference(db, rows, query):
    check(query, rows)


# Aim's documented `metric.*` queries (docs/source/using/search.md and the
# explorers' advanced-mode examples), in our field names.
AIM_DOC_QUERIES = [
    'metric.name == "loss"',
    'metric.name == "loss" and metric.context.subset == "train"',
    'metric.name == "loss" and run.hparams.lr >= 0.001',
    "metric.last < 0.5 and run.hparams.lr > 1e-4",
    "metric.last_step > 100",
    "metric.first_step == 0 and metric.last_step >= 100",
    '(metric.name == "loss" and metric.context.subset == "train") or '
    '(metric.name == "acc")',
    "((metric.name == 'acc' and metric.context.subset == 'val') or "
    "(metric.name == 'loss' and metric.context.subset == 'train')) "
    "and 1e-5 < run.hparams.lr < 1e-2",
    'metric.name in ["loss", "val_loss"] and run.experiment == "baseline"',
    'metric.context.subset == "val" and not run.archived',
]


@pytest.mark.parametrize("query", AIM_DOC_QUERIES)
def test_aim_documented_metric_queries(db, rows, query):
    got = check(query, rows)
    assert got, f"{query} selects nothing in the generated data"


def test_the_dataset_covers_the_odd_cases(db, rows):
    values = [row["metric"]["last"] for row in rows]
    assert None in values and math.inf in values
    assert any(row["archived"] for row in rows)
    assert any(row["metric"]["name"].startswith(SYSTEM) for row in rows)
    assert len(rows) > 500


def test_archived_runs_and_system_series_are_hidden_by_default(db, rows):
    default = check("", rows)
    hidden = {
        row["metric"]["id"]
        for row in rows
        if row["archived"] or row["metric"]["name"].startswith(SYSTEM)
    }
    assert hidden and not default & hidden
    assert check("run.archived", rows) == {
        row["metric"]["id"]
        for row in rows
        if row["archived"] and not row["metric"]["name"].startswith(SYSTEM)
    }


def test_a_run_only_query_selects_every_user_series_of_its_runs(db, rows):
    got = check("run.hparams.lr > 0.005", rows)
    runs = {row["hash"] for row in rows if row["metric"]["id"] in got}
    assert got == {
        row["metric"]["id"]
        for row in rows
        if row["hash"] in runs
        and not row["archived"]
        and not row["metric"]["name"].startswith(SYSTEM)
    }


def test_exact_context_differs_from_a_key_lookup(db, rows):
    exact = check('metric.context == {"subset": "train"}', rows)
    key = check('metric.context.subset == "train"', rows)
    assert exact < key  # {"subset": "train", "epoch": 2} has the key, not the context


def test_impossible_comparisons_are_false_not_errors(db, rows):
    assert not check('metric.context.subset > 1 and metric.context.subset < "a"', rows)
    assert not check("metric.context.missing > 0", rows)
    assert check("not metric.context.missing > 0", rows) == check("", rows)


def test_a_sequence_query_is_one_sql_query(db, rows):
    from django.db import connection

    query = (
        'metric.name == "loss" and metric.context.subset == "train" and '
        'run.hparams.lr > 1e-4 and "best" in run.tags and run.metrics["acc"].last > 0'
    )
    with CaptureQueriesContext(connection) as captured:
        list(filter_series(MetricSeries.objects.all(), query, now=NOW))
    assert len(captured.captured_queries) == 1
    assert "runs_run" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("metric.mean > 1", "metric fields are metric.name", 7),
        ("metric.name.x", "metric.name has no attributes", 12),
        ("metric", "name a field of the metric", 0),
        ("metric.context[1] == 1", "metric.context keys are strings", 15),
        ('metric.name == {"a": 1}', "a dict compares only with a whole context", 15),
        ('metric.context < {"a": 1}', "a dict compares only with a whole context", 17),
        ("metric.last == 'x'", "metric.last is a number", 15),
        ("metric.last > None", "> cannot compare with None", 14),
        ("metric.name < 1", "metric.name is text", 14),
        ("metric.last.startswith('a')", "metric.last is not text", 7),
        ("images.name == 'x'", "`images.*` reads image sequences: use the Images", 0),
        ("foo.name == 'x'", "only fields of `metric` or `run` can be read", 0),
    ],
)
def test_bad_sequence_queries_name_the_problem(db, query, message, position):
    with pytest.raises(QueryError) as error:
        list(filter_series(MetricSeries.objects.all(), query))
    assert message in error.value.message
    assert error.value.position == position


def test_run_queries_refuse_metric_fields_and_point_to_the_metrics_explorer():
    with pytest.raises(QueryError) as error:
        parse('run.hparams.lr > 0 and metric.name == "loss"')
    assert error.value.message == (
        "`metric.*` reads metric sequences: use the Metrics explorer"
    )
    assert error.value.position == len("run.hparams.lr > 0 and ")
    assert error.value.subject == "metric"


metric_atoms = st.one_of(
    st.builds(
        "metric.name {} {}".format,
        st.sampled_from(["==", "!="]),
        st.sampled_from(['"loss"', '"acc"', '"Loss"', '"__system__cpu"']),
    ),
    st.builds(
        "metric.context{} {} {}".format,
        st.sampled_from([".subset", '["subset"]', ".epoch", ".missing"]),
        st.sampled_from(["==", "!=", "<", ">="]),
        st.sampled_from(['"train"', '"val"', "1", "2", "True", "None", '""']),
    ),
    st.builds(
        "metric.{} {} {}".format,
        st.sampled_from(
            ["last", "first", "min", "max", "count", "first_step", "last_step"]
        ),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.sampled_from(["0", "1", "0.5", "-1", "100", "1e308", "None"]),
    ),
    st.sampled_from(
        [
            'metric.context == {"subset": "val"}',
            "metric.context == {}",
            '"epoch" in metric.context',
            "metric.context.subset",
            "metric.last",
            "metric.last is None",
        ]
    ),
)
run_atoms = st.sampled_from(
    [
        "run.hparams.lr > 0.005",
        'run.hparams.opt == "adam"',
        "run.hparams.flag",
        '"best" in run.tags',
        'run.experiment == "tuned"',
        "run.archived",
        "run.duration > 3600",
        'run.metrics["loss"].last < 1',
        'run.name.startswith("bert")',
        "run.end_time is None",
    ]
)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda c: f"not {c}"),
    )


queries = st.recursive(st.one_of(metric_atoms, run_atoms), _combine, max_leaves=5)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries)
def test_generated_series_queries_agree_with_the_reference(db, rows, query):
    try:
        parse(query, {"run", "metric"})
        filter_series(MetricSeries.objects.all(), query, now=NOW)
    except QueryError:
        return  # type errors (metric.last > None) are refused up front
    check(query, rows)
