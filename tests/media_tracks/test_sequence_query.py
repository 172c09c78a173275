"""Media sequence AimQL (`images.*`, `audios.*`… with `run.*`) against the Python
reference, over a few hundred generated runs and their object sequences.

Runs on whichever database DATABASE_URL names (SQLite by default; PostgreSQL with
DATABASE_URL=postgres://…), so the same assertions cover both vendors.
"""

import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from media_tracks.models import ObjectSequence
from media_tracks.query import KINDS, MEDIA_SUBJECTS, filter_sequences
from runs.contexts import context_key
from runs.explorer import query_error_context
from runs.models import Run
from runs.query import QueryError, parse
from tests.runs.query_reference import evaluate, object_sequence_rows, snapshot
from tests.runs.test_query_compiler import NOW
from tests.runs.test_sequence_query import CONTEXTS
from tests.runs.test_sequence_query import _build as build_runs

SEQUENCE_NAMES = ["samples", "inputs", "Samples", "val_samples", "__system__x"]


def _build(seed: int = 29) -> None:
    build_runs(seed=seed, count=200)
    rng = random.Random(seed)
    sequences = []
    for run in Run.objects.order_by("id"):
        pairs = {
            (
                rng.choice(KINDS),
                rng.choice(SEQUENCE_NAMES),
                rng.randrange(len(CONTEXTS)),
            )
            for _ in range(rng.randint(0, 6))
        }
        for subject, name, context_index in sorted(pairs):
            context = CONTEXTS[context_index]
            count = rng.choice([0, 1, 5, 100])
            first_step = None if count == 0 else rng.choice([0, 0, 3, 50])
            sequences.append(
                ObjectSequence(
                    run=run,
                    kind=MEDIA_SUBJECTS[subject][1],
                    name=name,
                    context=context,
                    context_key=context_key(context),
                    count=count,
                    first_step=first_step,
                    last_step=None
                    if count == 0
                    else first_step + rng.choice([0, 9, 99, 500]),
                    max_index=rng.choice([0, 4]),
                )
            )
    ObjectSequence.objects.bulk_create(sequences)


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end:
    {subject: rows}."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
        try:
            _build()
            result = {subject: [] for subject in KINDS}
            for run in Run.objects.select_related("experiment").prefetch_related(
                "tags", "metrics", "object_sequences"
            ):
                run_row = snapshot(run, NOW)
                for subject, (_subject, kind) in MEDIA_SUBJECTS.items():
                    sequences = [
                        s for s in run.object_sequences.all() if s.kind == kind
                    ]
                    result[subject] += object_sequence_rows(run_row, sequences, subject)
            yield result
        finally:
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


def check(query: str, rows: list[dict], subject: str = "images") -> set[int]:
    parsed = parse(query, {"run", subject})
    expected = {
        row[subject]["id"]
        for row in rows[subject]
        if evaluate(parsed.root, row)
        and (parsed.mentions_archived or not row["archived"])
    }
    got = set(
        filter_sequences(
            ObjectSequence.objects.all(), query, subject, now=NOW
        ).values_list("id", flat=True)
    )
    assert got == expected, (
        f"{query}: extra {len(got - expected)}, missing {len(expected - got)}"
    )
    return got


CONSTRUCTS = [
    "",
    "True",
    'images.name == "samples"',
    'images.name != "samples"',
    'images.name in ["samples", "inputs"]',
    'images.name.startswith("val")',
    'images.name.lower() == "samples"',
    're.search("sam", images.name)',
    '"amp" in images.name',
    'images.name > "m"',
    'images.context.subset == "train"',
    'images.context["subset"] == "train"',
    'images.context.subset != "train"',
    "images.context.subset is None",
    "images.context.subset is not None",
    "images.context.subset == 1",
    "images.context.subset == True",
    "images.context.subset",
    "not images.context.subset",
    'images.context.subset > "a"',
    "images.context.subset < 2",
    'images.context.subset in ["train", "val", 1]',
    "images.context.epoch > 1",
    "images.context.missing is None",
    "images.context.missing == 1",
    'images.context == {"subset": "train"}',
    'images.context != {"subset": "train"}',
    'images.context == {"epoch": 2, "subset": "train"}',
    "images.context == {}",
    "images.context",
    '"subset" in images.context',
    '"subset" not in images.context',
    "images.count == 0",
    "images.count > 1",
    "images.count",
    "images.first_step == 0",
    "images.first_step is None",
    "images.last_step >= 100",
    "images.last_step in [9, 99]",
    "3 <= images.first_step < 50",
    'images.name == "samples" and run.hparams.lr > 0.005',
    'images.context.subset == "val" and "best" in run.tags',
    'run.experiment == "baseline" or images.name == "inputs"',
    'run.name.startswith("bert") and images.count > 1',
    "run.duration > 3600 and images.last_step > 10",
    'run.metrics["loss"].last < 1 and images.name == "samples"',
    'run["__system_params", "hostname"] == "h1" and images.count >= 5',
    "run.created_at > datetime(2026, 3, 1) and not images.context",
    "run.hparams.lr > 0.005",
    'not (images.name == "samples" or images.count > 1)',
    "run.archived",
    "run.archived and images.count > 0",
    'images.name == "__system__x"',
]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_images_query_matches_the_python_reference(db, rows, query):
    check(query, rows)


@pytest.mark.parametrize("subject", KINDS)
@pytest.mark.parametrize(
    "template",
    [
        '{s}.name == "samples" and {s}.context.subset == "train"',
        '{s}.context == {{"subset": "val"}} or run.hparams.opt == "adam"',
        "{s}.count > 1 and {s}.last_step >= 99",
        '{s}.context["epoch"] == 2',
        "{s}.first_step is None",
    ],
)
def test_every_kind_reads_its_own_sequences(db, rows, subject, template):
    got = check(template.format(s=subject), rows, subject)
    kind = MEDIA_SUBJECTS[subject][1]
    assert set(
        ObjectSequence.objects.filter(id__in=got).values_list("kind", flat=True)
    ) <= {kind}


def test_the_dataset_covers_every_kind_and_the_odd_cases(db, rows):
    for subject in KINDS:
        assert len(rows[subject]) > 40
        assert any(row["archived"] for row in rows[subject])
        assert any(row[subject]["first_step"] is None for row in rows[subject])


def test_archived_runs_are_hidden_unless_the_query_mentions_them(db, rows):
    default = check("", rows)
    archived = {row["images"]["id"] for row in rows["images"] if row["archived"]}
    assert archived and not default & archived
    assert check("run.archived", rows) == archived


def test_system_like_names_are_not_hidden_for_media(db, rows):
    # Only metrics hide `__system__…` series; a media sequence so named is a
    # user's and stays visible.
    default = check("", rows)
    assert any(
        row["images"]["name"].startswith("__system__")
        for row in rows["images"]
        if row["images"]["id"] in default
    )


def test_impossible_comparisons_are_false_not_errors(db, rows):
    assert not check('images.context.subset > 1 and images.context.subset < "a"', rows)
    assert not check("images.context.missing > 0", rows)
    assert check("not images.first_step > 0", rows) >= check(
        "images.first_step is None", rows
    )


def test_a_media_query_is_one_sql_query(db, rows):
    query = (
        'images.name == "samples" and images.context.subset == "train" and '
        'run.hparams.lr > 1e-4 and "best" in run.tags and run.metrics["acc"].last > 0'
    )
    with CaptureQueriesContext(connection) as captured:
        list(filter_sequences(ObjectSequence.objects.all(), query, "images", now=NOW))
    assert len(captured.captured_queries) == 1
    assert "runs_run" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize(
    ("query", "subject", "message", "position"),
    [
        ("images.mean > 1", "images", "images fields are images.name", 7),
        ("images.name.x", "images", "images.name has no attributes", 12),
        ("images.context[1] == 1", "images", "images.context keys are strings", 15),
        ("images.count == 'x'", "images", "images.count is a number", 16),
        ("images.name < 1", "images", "images.name is text", 14),
        ("texts.name == 'x'", "images", "`texts.*` reads text sequences", 0),
        ("metric.name == 'x'", "audios", "`metric.*` reads metric sequences", 0),
    ],
)
def test_bad_media_queries_name_the_problem(db, query, subject, message, position):
    with pytest.raises(QueryError) as error:
        list(filter_sequences(ObjectSequence.objects.all(), query, subject))
    assert message in error.value.message
    assert error.value.position == position


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind must be one of images, audios"):
        filter_sequences(ObjectSequence.objects.none(), "", "videos")


@pytest.mark.parametrize(
    ("subject", "explorer", "url"),
    [
        ("images", "Images explorer", "/images/"),
        ("audios", "Audios explorer", "/audios/"),
        ("texts", "Texts explorer", "/texts/"),
        ("figures", "Figures explorer", "/figures/"),
        ("distributions", "Distributions explorer", "/distributions/"),
        ("metric", "Metrics explorer", "/metrics/"),
    ],
)
def test_run_queries_point_each_sequence_subject_to_its_explorer(
    subject, explorer, url
):
    query = f'run.hparams.lr > 0 and {subject}.name == "x"'
    with pytest.raises(QueryError) as error:
        parse(query)
    assert error.value.subject == subject
    assert error.value.message.endswith(f"use the {explorer}")
    assert error.value.position == len("run.hparams.lr > 0 and ")
    context = query_error_context(query, error.value)
    assert context["explorer_name"] == explorer
    assert context["explorer_url"].startswith(f"{url}?q=run.hparams.lr")


media_atoms = st.one_of(
    st.builds(
        "images.name {} {}".format,
        st.sampled_from(["==", "!=", "<", ">="]),
        st.sampled_from(['"samples"', '"inputs"', '"Samples"', '"m"']),
    ),
    st.builds(
        "images.context{} {} {}".format,
        st.sampled_from([".subset", '["subset"]', ".epoch", ".missing"]),
        st.sampled_from(["==", "!=", "<", ">="]),
        st.sampled_from(['"train"', '"val"', "1", "2", "True", "None", '""']),
    ),
    st.builds(
        "images.{} {} {}".format,
        st.sampled_from(["count", "first_step", "last_step"]),
        st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
        st.sampled_from(["0", "1", "5", "99", "None"]),
    ),
    st.sampled_from(
        [
            'images.context == {"subset": "val"}',
            "images.context == {}",
            '"epoch" in images.context',
            "images.context.subset",
            "images.first_step",
        ]
    ),
)
run_atoms = st.sampled_from(
    [
        "run.hparams.lr > 0.005",
        'run.hparams.opt == "adam"',
        '"best" in run.tags',
        'run.experiment == "tuned"',
        "run.archived",
        'run.metrics["loss"].last < 1',
    ]
)


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        children.map(lambda c: f"not {c}"),
    )


queries = st.recursive(st.one_of(media_atoms, run_atoms), _combine, max_leaves=5)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=queries)
def test_generated_media_queries_agree_with_the_reference(db, rows, query):
    try:
        filter_sequences(ObjectSequence.objects.all(), query, "images", now=NOW)
    except QueryError:
        return  # type errors (images.count > None) are refused up front
    check(query, rows)


@pytest.mark.parametrize(
    "query",
    [
        "",
        'images.name == "samples"',
        'images.context.subset == "train"',
        'images.name == "samples" and run.hparams.lr > 0.005',
        'images.context.subset == "val" and "best" in run.tags',
        "run.archived",
    ],
)
def test_picker_names_are_the_pairs_of_the_selected_sequences(db, rows, query):
    from media_tracks.services import object_names

    selected = check(query, rows)
    runs_by_pair: dict[tuple[str, str], set[int]] = {}
    for sequence in ObjectSequence.objects.filter(id__in=selected):
        pair = (sequence.name, sequence.context_key)
        runs_by_pair.setdefault(pair, set()).add(sequence.run_id)
    got = {
        (item["name"], context_key(item["context"])): item["runs"]
        for item in object_names(query, "images")
    }
    assert got == {pair: len(runs) for pair, runs in runs_by_pair.items()}
    assert len(got) > 0
