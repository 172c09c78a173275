"""The query compiler against the Python reference evaluator, over generated runs.

Runs on whichever database DATABASE_URL names (SQLite by default; PostgreSQL with
DATABASE_URL=postgres://…), so the same assertions cover both vendors.
"""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from runs.models import Run
from runs.query import compile_query, parse
from tests.factories import make_run, make_tag, make_user
from tests.runs.query_reference import evaluate, snapshot

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

PARAM_VALUES = [
    0.001,
    0.01,
    0.1,
    1,
    3,
    -2,
    0,
    "0.01",
    "adam",
    "Adam",
    "",
    True,
    False,
    None,
    [1, 2],
    {},
    {"a": 1},
]


VAL = '{"subset": "val"}'
NAMES = [
    "bert-base",
    "BERT-large",
    "resnet50",
    "gpt2 tuned",
    "",
    "résumé",
    "bert_tiny",
    "x",
]
EXPERIMENTS = ["baseline", "tuned", "default"]


def _build_runs(seed: int = 7) -> None:
    rng = random.Random(seed)
    owner = make_user()
    tags = [make_tag("best"), make_tag("tuned"), make_tag("old", is_archived=True)]
    for index in range(36):
        params = {
            "hparams": {},
            "dataset": {"name": rng.choice(["mnist", "cifar", "imagenet"])},
        }
        for key in ("lr", "opt", "flag", "batch"):
            if rng.random() < 0.8:
                params["hparams"][key] = rng.choice(PARAM_VALUES)
        if rng.random() < 0.3:
            params["layers"] = [rng.randint(1, 5), "x"]
        metrics = {}
        if rng.random() < 0.8:
            metrics["loss"] = [rng.uniform(0, 2) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.6:
            metrics[("loss", VAL)] = [
                rng.uniform(0, 1) for _ in range(rng.randint(1, 3))
            ]
        if rng.random() < 0.5:
            metrics["acc"] = [rng.choice([0.0, 0.5, 0.9, 1.0])]
        status = rng.choice([None, "finished", "failed"])
        created = NOW - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
        fields = {
            "created_at": created,
            "updated_at": created + timedelta(minutes=rng.randint(0, 300)),
            "is_archived": rng.random() < 0.2,
            "description": rng.choice(
                ["", "a first try", "Second attempt with warmup"]
            ),
        }
        if status:
            fields["finished_at"] = created + timedelta(
                seconds=rng.choice([30, 3599, 3601, 7200, 90000])
            )
        run = make_run(
            owner,
            experiment=rng.choice(EXPERIMENTS),
            name=rng.choice(NAMES) + ("" if index % 3 else f"-{index}"),
            params=params,
            metrics=metrics,
            status=status,
            **fields,
        )
        Run.objects.filter(pk=run.pk).update(
            meta={
                "__system_params": {
                    "git_info": {"branch": rng.choice(["main", "dev"])},
                    "hostname": "h1",
                }
            }
        )
        run.tags.add(*rng.sample(tags, rng.randint(0, 2)))


def built_snapshots(django_db_blocker, build):
    """Run `build()` once inside a transaction, yield the snapshots of every run,
    and roll everything back at the end (for a module-scoped fixture)."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            build()
            yield [
                snapshot(run, NOW)
                for run in Run.objects.select_related("experiment").prefetch_related(
                    "tags", "metrics"
                )
            ]
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end."""
    yield from built_snapshots(django_db_blocker, _build_runs)


def check(query: str, runs: list[dict]) -> set[str]:
    parsed = parse(query)
    expected = {
        run["hash"]
        for run in runs
        if evaluate(parsed.root, run)
        and (parsed.mentions_archived or not run["archived"])
    }
    compiled = compile_query(query, now=NOW)
    got = set(compiled.apply(Run.objects.all()).values_list("hash", flat=True))
    assert got == expected, (
        f"{query}: extra {len(got - expected)}, missing {len(expected - got)}"
    )
    return got


CONSTRUCTS = [
    "",
    "True",
    "False",
    "run.hparams.lr > 0.005",
    "run.hparams.lr == 1",
    "run.hparams.lr == 0.01",
    'run.hparams.lr == "0.01"',
    "run.hparams.lr != 0.01",
    "0.005 < run.hparams.lr <= 1",
    "run.hparams.lr >= -2 and run.hparams.lr < 0.5",
    "run.hparams.lr is None",
    "run.hparams.lr is not None",
    "run.hparams.lr == None",
    "run.hparams.flag",
    "not run.hparams.flag",
    "run.hparams.flag == True",
    "run.hparams.flag is False",
    "run.hparams.opt",
    'run.hparams.opt == "adam"',
    'run.hparams.opt.lower() == "adam"',
    'run.hparams.opt.upper() == "ADAM"',
    'run.hparams.opt > "B"',
    'run.hparams.opt in ["adam", "sgd", 1]',
    'run.hparams.opt not in ("adam",)',
    '"da" in run.hparams.opt',
    'run["hparams", "lr"] > 0.05',
    'run["hparams"]["lr"] > 0.05',
    'run.hparams["lr"] > 0.05',
    'run.dataset.name == "mnist"',
    'run.dataset.name != "mnist"',
    "run.layers[0] >= 3",
    'run.layers[1] == "x"',
    'run["__system_params", "git_info", "branch"] == "main"',
    'run["__system_params", "hostname"] == "h1"',
    "run.missing.deep.key",
    "run.missing.deep.key is None",
    'run.name == "resnet50"',
    'run.name.startswith("bert")',
    'run.name.startswith("BERT")',
    'run.name.endswith("tuned")',
    'run.name.startswith("")',
    'run.name.lower().startswith("bert")',
    '"tuned" in run.name',
    '"" in run.name',
    'run.name in ["x", "resnet50"]',
    'run.name > "c"',
    "run.name",
    "not run.name",
    're.match("bert", run.name)',
    're.search("[0-9]+$", run.name)',
    're.match("b.*e", run.name.lower())',
    're.search("warm", run.description)',
    '"first" in run.description',
    'run.experiment == "baseline"',
    'run.experiment in ("tuned", "default")',
    'run.experiment.startswith("base")',
    '"best" in run.tags',
    '"tuned" not in run.tags',
    '"old" in run.tags',
    "run.archived",
    "not run.archived",
    "run.archived == True",
    "run.archived is False or run.archived",
    "run.active",
    "not run.active",
    'run.status == "failed"',
    'run.status in ["finished", "failed"]',
    "run.duration > 3600",
    "run.duration < 3600",
    "run.duration >= 90000",
    "run.created_at >= datetime(2026, 3, 1)",
    "datetime(2026, 3, 1) <= run.created_at < datetime(2026, 3, 5)",
    'run.created_at > "2026-03-04"',
    'run.created_at < "2026-03-04T10:00:00"',
    "run.creation_time > 1772500000",
    "run.end_time is None",
    "run.end_time is not None",
    "run.finalized_at > datetime(2026, 3, 5)",
    "run.end_time",
    "run.updated_at > datetime(2026, 3, 6, 12)",
    'run.metrics["loss"].last < 1',
    'run.metrics["loss"].min < 0.5',
    'run.metrics["loss"].max > 1.5',
    'run.metrics["loss"].count >= 3',
    'run.metrics["loss"].last_step == 0',
    'run.metrics["loss"].first_step == 0',
    'run.metrics["loss"].first > 1',
    'run.metrics["loss", {"subset": "val"}].last < 0.5',
    'run.metrics["loss", {"subset": "val"}].last is None',
    'run.metrics["loss"].last is not None',
    'run.metrics["acc"].last',
    'run.metrics["acc"].last == 1',
    'run.metrics["nope"].last > 0',
    'not (run.hparams.lr > 0.005 or run.metrics["loss"].last < 1)',
    'run.hparams.lr > 0.005 and (run.experiment == "baseline" or "best" in run.tags)',
    'not not run.hparams.opt == "adam"',
]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_query_matches_the_python_reference(db, runs, query):
    check(query, runs)


def test_archived_runs_are_hidden_unless_the_query_mentions_them(db, runs):
    visible = check("", runs)
    everything = check("run.archived or not run.archived", runs)
    assert visible < everything
    assert all(run["hash"] in everything for run in runs)


def test_a_number_never_matches_a_string_param(db, runs):
    numeric = check("run.hparams.lr == 0.01", runs)
    text = check('run.hparams.lr == "0.01"', runs)
    assert not numeric & text


def test_the_dataset_covers_every_kind_of_param_value(db, runs):
    kinds = {type(run["params"]["hparams"].get("lr")).__name__ for run in runs}
    assert {"float", "int", "str", "bool", "NoneType"} <= kinds
