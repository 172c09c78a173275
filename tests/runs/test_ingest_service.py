"""runs.ingest.create_run / create_runs: the one entry point that creates runs,
used by the API, the demo command and the test factories."""

import pytest
from django.core.management import call_command

from aimsite.errors import IngestError
from aimsite.management.commands.demo import EXPERIMENTS
from experiments.models import Experiment
from runs import ingest
from runs.models import AppliedBatch, LogLine, MetricSeries, Run
from tests.factories import make_run, make_user, new_hash

pytestmark = pytest.mark.django_db


def _batch(seq: int = 1) -> ingest.Batch:
    return ingest.parse_batch(
        {"seq": seq, "metrics": [{"name": "loss", "steps": [0], "values": [0.5]}]}
    )


def test_create_run_creates_once_and_applies_the_first_batch_once():
    user = make_user()
    new = ingest.NewRun(hash=new_hash(), experiment="svc", batch=_batch())
    first = ingest.create_run(user, new)
    again = ingest.create_run(user, new)
    assert (first.is_new, again.is_new) == (True, False)
    assert (first.batch.applied, again.batch.applied) == (True, False)
    assert first.run.experiment.name == "svc"
    assert MetricSeries.objects.get(run=first.run).count == 1


def test_create_run_refuses_another_users_hash_and_writes_nothing():
    theirs = make_run(make_user())
    with pytest.raises(IngestError) as refused:
        ingest.create_run(
            make_user(), ingest.NewRun(hash=theirs.hash, batch=_batch(seq=5))
        )
    assert refused.value.status == 403
    assert not AppliedBatch.objects.filter(run=theirs, seq=5).exists()


def test_create_runs_answers_in_order_and_a_refused_item_leaves_no_trace():
    user = make_user()
    refused, good = new_hash(), new_hash()
    outcomes = ingest.create_runs(
        user,
        [
            # Creates the experiment, then its tag name is refused: the
            # experiment goes with the rolled-back item.
            ingest.NewRun(hash=refused, experiment="fresh", tags=["x" * 51]),
            ingest.NewRun(hash=good, experiment="fresh", batch=_batch()),
        ],
    )
    assert isinstance(outcomes[0], IngestError) and outcomes[0].field == "tags"
    assert isinstance(outcomes[1], ingest.CreatedRun) and outcomes[1].is_new
    assert not Run.objects.filter(hash=refused).exists()
    assert Run.objects.get(hash=good).experiment == Experiment.objects.get(name="fresh")


def test_the_demo_command_creates_its_runs_through_the_entry_point():
    call_command("demo", runs_per_experiment=1, steps=20, verbosity=0)
    runs = list(Run.objects.all())
    assert len(runs) == len(EXPERIMENTS)
    for run in runs:
        assert AppliedBatch.objects.filter(run=run, seq=1).exists()
        assert MetricSeries.objects.filter(run=run).exists()
        assert LogLine.objects.filter(run=run, line=0).exists()
        # Named after the model family and its hyperparameters, never a series.
        assert run.name.split("-")[0] in {"cnn", "bert", "resnet"}, run.name
        assert run.name in LogLine.objects.get(run=run, line=0).text


def test_series_batch_checks_columns_as_the_wire_format_does():
    import numpy as np

    batch = ingest.series_batch(
        "loss", {"subset": "train"}, np.arange(3), [0.5, 0.25, np.nan], [0, np.nan, 1]
    )
    assert batch.points.steps.tolist() == [0, 1, 2]
    assert batch.points.epochs.tolist()[::2] == [0, 1]
    assert batch.points.epochs[1] == ingest.NULL_EPOCH
    for steps, values, message in [
        ([0, -1], [1.0, 2.0], "steps must be integers >= 0"),
        ([0, 1.5], [1.0, 2.0], "steps must be integers >= 0"),
        ([0, 1], [1.0], "values has 1 items, steps has 2"),
        ([], [], "has no points"),
    ]:
        with pytest.raises(IngestError, match=message):
            ingest.series_batch("loss", {}, np.array(steps), values)
    with pytest.raises(IngestError, match="contains control characters"):
        ingest.series_batch("bad\x01name", {}, np.arange(1), [1.0])


def test_an_imported_run_keeps_the_times_of_its_source():
    from datetime import UTC, datetime

    owner = make_user()
    created = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    ended = datetime(2024, 1, 2, 5, 0, 0, tzinfo=UTC)
    run = ingest.create_run(
        owner, ingest.NewRun(hash=new_hash(), created_at=created)
    ).run
    ingest.apply_batch(run, ingest.Batch(seq=1, status="finished", at=ended))
    run.refresh_from_db()
    assert (run.created_at, run.finished_at, run.last_heartbeat) == (
        created,
        ended,
        ended,
    )
    assert run.status == "finished"
