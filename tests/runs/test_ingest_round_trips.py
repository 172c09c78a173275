"""Round trips per short run (issue 18 point 3): the statements a bulk create of
short runs sends, counted on the real database, so a change that adds per-run
queries shows here on SQLite and PostgreSQL alike."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from runs import ingest
from runs.ingest import NewRun
from runs.models import MetricSeries, Run
from tests.factories import make_user, new_hash

pytestmark = pytest.mark.django_db


def _short_run(index: int) -> NewRun:
    return NewRun(
        hash=new_hash(),
        experiment="round-trips",
        params={"hparams": {f"p{i}": i for i in range(10)}},
        tags=["bench", f"group-{index % 4}"],
        batch=ingest.parse_batch(
            {
                "seq": 0,
                "status": "finished",
                "metrics": [
                    {"name": name, "steps": list(range(10)), "values": [0.1] * 10}
                    for name in ("loss", "accuracy", "lr")
                ],
            }
        ),
    )


def test_statements_per_short_run_in_a_bulk_create():
    user = make_user()
    ingest.create_runs(user, [_short_run(i) for i in range(4)])  # tags exist now
    items = [_short_run(i) for i in range(20)]
    with CaptureQueriesContext(connection) as captured:
        outcomes = ingest.create_runs(user, items)
    assert all(not isinstance(o, ingest.IngestError) for o in outcomes)
    assert Run.objects.filter(status="finished").count() == 24
    assert MetricSeries.objects.count() == 72
    statements = [query["sql"] for query in captured.captured_queries]
    # Which runs exist is asked once for the whole list, not once per run.
    assert (
        sum('FROM "runs_run"' in sql for sql in statements if sql.startswith("SELECT"))
        == 1
    )
    # One multi-row INSERT per table for the whole list (runs, run-tags, applied
    # batches, series, chunks), the lookups of experiments and tags once, two
    # savepoints: the count does not grow with the number of runs.
    assert len(statements) <= 14, statements
    assert sum(sql.startswith("INSERT") for sql in statements) == 5, statements


def test_a_hash_twice_in_one_list_is_created_once_and_batched_twice():
    user = make_user()
    first, second = _short_run(0), _short_run(1)
    second.hash = first.hash
    second.batch = ingest.parse_batch({"seq": 1, "params": {"late": 1}})
    outcomes = ingest.create_runs(user, [first, second])
    assert [o.is_new for o in outcomes] == [True, False]
    run = Run.objects.get(hash=first.hash)
    assert run.params["late"] == 1 and run.applied_batches.count() == 2


def test_a_bad_item_is_refused_before_the_others_are_written_together():
    user = make_user()
    items = [_short_run(i) for i in range(4)]
    items[1].tags = ["fresh", "x" * 51]  # longer than a tag name may be
    items[2].params = {"deep": {"n": 2**70}}
    items[3].tags = ["fresh"]  # made by the refused item, then rolled back
    outcomes = ingest.create_runs(user, items)
    assert "tags.attach" in str(outcomes[1]) and "params" in str(outcomes[2])
    assert {o.run.hash for o in (outcomes[0], outcomes[3])} == set(
        Run.objects.values_list("hash", flat=True)
    )
    assert MetricSeries.objects.count() == 6
    assert list(
        Run.objects.get(hash=items[3].hash).tags.values_list("name", flat=True)
    ) == ["fresh"]


def test_a_raced_hash_fails_the_shared_inserts_whole():
    """The state a race leaves: a hash absent when the list was read exists at the
    INSERT. The shared INSERTs raise (create_runs then rolls them back and sends
    every item alone, as the test below does for one)."""
    user = make_user()
    winner = _short_run(0)
    ingest.create_run(user, winner)
    late = _short_run(1)
    late.hash = winner.hash
    with pytest.raises(IntegrityError), transaction.atomic():
        ingest._create_together(user, {0: _short_run(2), 1: late})
    assert Run.objects.count() == 1


def test_a_hash_created_by_a_racing_request_is_retried_and_found():
    """The state a race leaves: the hash was absent when asked, and exists at the
    INSERT. The item rolls back, is retried once, and lands on the winner's run."""
    user = make_user()
    winner = _short_run(0)
    ingest.create_run(user, winner)
    late = _short_run(1)
    late.hash = winner.hash
    late.batch = ingest.parse_batch({"seq": 1, "params": {"late": 1}})
    lookups = ingest.Lookups(absent_hashes={winner.hash})
    created = ingest.create_run(user, late, lookups=lookups)
    assert created.is_new is False and created.batch.applied
    run = Run.objects.get(hash=winner.hash)
    assert run.params["late"] == 1 and run.applied_batches.count() == 2
    assert Run.objects.count() == 1


def _series_batch(seq: int, names: list[str], first_step: int) -> ingest.Batch:
    steps = list(range(first_step, first_step + 10))
    return ingest.parse_batch(
        {
            "seq": seq,
            "metrics": [
                {"name": name, "steps": steps, "values": [float(s) for s in steps]}
                for name in names
            ],
        }
    )


@pytest.mark.parametrize("series", [5, 100])
def test_a_batch_on_an_existing_run_updates_each_table_once(series):
    """The track path: every series and open chunk a batch extends is written by
    one UPDATE per table, however many (100 series pass SQLite's parameter limit
    per statement, so they are split)."""
    user = make_user()
    names = [f"m{i}" for i in range(series)]
    created = ingest.create_run(user, NewRun(hash=new_hash()))
    ingest.apply_batch(created.run, _series_batch(0, names, 0))
    with CaptureQueriesContext(connection) as captured:
        result = ingest.apply_batch(created.run, _series_batch(1, names, 10))
    assert result.applied
    updates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith(("UPDATE", "WITH"))
    ]
    if series == 5:
        assert len(updates) == 3, updates  # chunks, series, run
    for item in MetricSeries.objects.filter(run=created.run):
        assert (item.count, item.first_step, item.last_step) == (20, 0, 19)
        assert (item.min, item.max, item.last) == (0.0, 19.0, 19.0)
        chunk = item.chunks.get()
        assert (chunk.count, chunk.first_step, chunk.last_step) == (20, 0, 19)
