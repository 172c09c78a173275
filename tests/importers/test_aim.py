import hashlib
import shutil
from pathlib import Path

import pytest

from aimsite.importers.base import source_hash
from tests.helpers.optional import import_or_skip
from tests.importers.sources import SYSTEM_PARAMS, build_aim_repo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def aim_repo(tmp_path_factory):
    import_or_skip("aim")
    root = tmp_path_factory.mktemp("aim") / "repo"
    return root, build_aim_repo(root)


def _fingerprint(root: Path) -> dict:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_an_aim_repo_comes_over_whole(aim_repo, run_import, api_reader):
    root, written = aim_repo
    before = _fingerprint(root)
    done = run_import("aim", root)
    assert done.returncode == 0, done.stderr
    assert (
        "Imported 3 runs, 4 series, 65 points, 7 objects, 4 log lines, 0 artifacts."
        in done.stdout
    )
    assert _fingerprint(root) == before, "the source repo was written to"

    full = api_reader.run(source_hash("aim", written["full"]))
    assert full["name"] == "full run"
    assert full["description"] == "everything Aim tracks"
    assert full["experiment"] == "exp-a"
    assert full["status"] == "finished"
    assert full["is_archived"] is False
    assert full["finished_at"] > full["created_at"]
    assert full["params"] == {
        "hparams": {"lr": 0.001, "batch_size": 32, "optimizer": {"name": "adam"}},
        "seed": 7,
    }
    assert full["meta"]["__system_params"] == SYSTEM_PARAMS
    assert full["meta"]["import"] == {
        "source": "aim",
        "id": written["full"],
        "location": str(root),
        "complete": True,
    }
    assert [(t["name"], t["color"]) for t in full["tags"]] == [("baseline", "#18AB6D")]
    tag = next(t for t in api_reader.get("tags/") if t["name"] == "baseline")
    assert tag["comment"] == "the reference configuration"
    experiment = next(
        e for e in api_reader.get("experiments/")["results"] if e["name"] == "exp-a"
    )
    assert experiment["description"] == "experiment A"

    series = api_reader.series(full["hash"])
    assert set(series) == {
        ("loss", (("subset", "train"),)),
        ("acc", (("subset", "val"),)),
    }
    loss = series[("loss", (("subset", "train"),))]
    assert loss["count"] == 50
    assert loss["points"]["steps"] == list(range(50))
    assert loss["points"]["values"] == pytest.approx(written["loss"])
    assert loss["points"]["epochs"] == [step // 10 for step in range(50)]
    times = loss["points"]["times"]
    assert all(t is not None for t in times) and times == sorted(times)
    acc = series[("acc", (("subset", "val"),))]
    assert acc["points"]["steps"] == [0, 10, 20, 30, 40]
    assert acc["points"]["epochs"] == [None] * 5  # tracked without an epoch

    objects = api_reader.objects(full["hash"])
    images = objects[("image", "samples", (("subset", "val"),))]
    assert [(r["step"], r["index"], r["caption"]) for r in images] == [
        (3, 0, "first"),
        (3, 1, "second"),
        (5, 0, "later"),
    ]
    assert all((r["format"], r["width"], r["height"]) == ("png", 6, 8) for r in images)
    assert api_reader.file(images[0]["url"]).startswith(b"\x89PNG")
    (text,) = objects[("text", "predictions", ())]
    assert (text["step"], text["text"]) == (2, "the quick brown fox")
    (histogram,) = objects[("distribution", "weights", (("layer", "fc1"),))]
    assert histogram["step"] == 4
    assert len(histogram["data"]["bins"]) == 8 and sum(histogram["data"]["bins"]) == 200
    assert histogram["data"]["range"] == pytest.approx([-1, 1])
    (figure,) = objects[("figure", "curve", ())]
    assert figure["data"]["layout"]["title"]["text"] == "curve"
    assert figure["data"]["data"][0]["y"] == [3, 1, 2]
    (audio,) = objects[("audio", "beep", ())]
    assert (audio["format"], audio["caption"]) == ("wav", "beep")
    assert api_reader.file(audio["url"]).startswith(b"RIFF")

    logs = [line["text"] for line in api_reader.logs(full["hash"])]
    assert logs[:2] == ["terminal line one", "terminal line two"]
    assert logs[-1] == "[INFO] an info record"

    archived = api_reader.run(source_hash("aim", written["archived"]))
    assert archived["is_archived"] is True and archived["experiment"] == "exp-b"
    assert archived["status"] == "finished"
    crashed = api_reader.run(source_hash("aim", written["crashed"]))
    assert crashed["name"] == "crashed run"
    assert crashed["status"] == "failed"  # no end time, heartbeat long gone
    (crashed_loss,) = api_reader.series(crashed["hash"]).values()
    assert crashed_loss["points"]["values"] == [0.0, 2.0, 4.0, 6.0, 8.0]

    # The explorers' query language sees the params at once.
    found = api_reader.get("runs/", q="run.hparams.lr < 0.005")["results"]
    assert [run["hash"] for run in found] == [full["hash"]]


def test_a_second_import_adds_nothing_and_says_so(aim_repo, run_import, api_reader):
    root, _ = aim_repo
    assert run_import("aim", root).returncode == 0
    before = api_reader.snapshot()
    again = run_import("aim", root)
    assert again.returncode == 0, again.stderr
    assert (
        "Nothing new: all 3 runs of this source were imported before; nothing was "
        "changed." in again.stdout
    )
    assert api_reader.snapshot() == before


def test_a_dry_run_prints_what_would_come_and_writes_nothing(
    aim_repo, run_import, api_reader
):
    root, _ = aim_repo
    done = run_import("aim", root, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert (
        "Dry run, nothing was written. Would import 3 runs, 4 series, 65 points, "
        "7 objects, 4 log lines, 0 artifacts." in done.stdout
    )
    assert api_reader.runs() == []
    assert api_reader.get("tags/") == []


def test_experiment_option_puts_every_run_in_one_experiment(
    aim_repo, run_import, api_reader
):
    root, _ = aim_repo
    assert run_import("aim", root, "--experiment", "moved").returncode == 0
    assert {run["experiment"] for run in api_reader.runs()} == {"moved"}


def test_a_broken_run_is_reported_and_the_rest_imports(
    aim_repo, run_import, api_reader, tmp_path
):
    root, written = aim_repo
    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    # A half-written run: its series storage is garbage.
    chunk = broken / ".aim" / "seqs" / "chunks" / written["full"]
    for table in chunk.glob("*.sst"):
        table.write_bytes(b"not a table" * 10)
    done = run_import("aim", broken)
    assert done.returncode == 0, done.stderr
    failures = done.stdout.split("Failed (1 runs, nothing of them was written):")[1]
    assert f"aim run {written['full']}: Corruption" in failures
    hashes = {run["hash"] for run in api_reader.runs()}
    assert source_hash("aim", written["archived"]) in hashes
    assert source_hash("aim", written["crashed"]) in hashes
    assert source_hash("aim", written["full"]) not in hashes


def test_a_missing_folder_is_a_clear_error(run_import, tmp_path):
    import_or_skip("aim")
    done = run_import("aim", tmp_path / "nowhere")
    assert done.returncode != 0
    assert "cannot read" in done.stderr and "no such directory" in done.stderr
    (tmp_path / "empty").mkdir()
    done = run_import("aim", tmp_path / "empty")
    assert done.returncode != 0
    assert "no .aim folder" in done.stderr


def test_an_unknown_owner_is_refused(aim_repo, run_import, api_reader):
    root, _ = aim_repo
    done = run_import("aim", root, owner="nobody")
    assert done.returncode != 0
    assert "there is no user 'nobody'" in done.stderr
    assert api_reader.runs() == []


def test_a_half_imported_run_is_completed_not_duplicated(
    aim_repo, run_import, api_reader, monkeypatch
):
    from media_tracks.models import ObjectSequence
    from runs.models import AppliedBatch, LogLine, MetricSeries, Run

    # A run's series share batches up to the points budget: a budget of 5 puts
    # "acc" (5 points) alone in the first metrics batch, as a bigger run would.
    monkeypatch.setenv("AIMSITE_MAX_POINTS_PER_BATCH", "5")
    root, written = aim_repo
    assert run_import("aim", root).returncode == 0
    run_hash = source_hash("aim", written["full"])

    def contents() -> tuple:
        series = {
            key: (value["count"], value["points"])
            for key, value in api_reader.series(run_hash).items()
        }
        objects = {
            key: [(r["step"], r["index"], r["caption"], r["text"]) for r in records]
            for key, records in api_reader.objects(run_hash).items()
        }
        return (
            series,
            objects,
            api_reader.logs(run_hash),
            api_reader.run(run_hash)["status"],
        )

    whole = contents()
    # What an import stopped after its first series leaves (one that did not run
    # each run in a transaction, say): the batches after it, and the mark, missing.
    run = Run.objects.get(hash=run_hash)
    # Series come in name order: seq 1 brought "acc", seq 0 created the run.
    AppliedBatch.objects.filter(run=run).exclude(seq__in=[0, 1]).delete()
    MetricSeries.objects.filter(run=run).exclude(name="acc").delete()
    LogLine.objects.filter(run=run).delete()
    ObjectSequence.objects.filter(run=run).delete()
    Run.objects.filter(pk=run.pk).update(
        meta={**run.meta, "import": {**run.meta["import"], "complete": False}},
        status="active",
    )

    again = run_import("aim", root)
    assert again.returncode == 0, again.stderr
    assert f"aim run {written['full']}: completed 2 series" in again.stdout
    assert "(1 completed from an interrupted import)" in again.stdout
    assert contents() == whole


def test_metrics_read_in_bulk_are_what_aim_reads(tmp_path):
    """The reader decodes metric records in bulk (in its helper process); every
    series must equal Aim's own `data.numpy()`: floats, ints, with and without
    epochs, longer than one page of records, and written over several steps."""
    import_or_skip("aim")
    import numpy as np
    from aim import Repo
    from aim import Run as AimRun

    from aimsite.importers.aim import AimReader

    root = tmp_path / "repo"
    root.mkdir()
    Repo(str(root), init=True)
    run = AimRun(repo=str(root), system_tracking_interval=None)
    for step in range(5000):
        run.track(step * 0.5, name="long", step=step, epoch=step // 1000)
        if step % 7 == 0:
            run.track(step, name="ints", step=step, context={"kind": "int"})
    for step in (30, 10, 20):
        run.track(-float(step), name="shuffled", step=step)
    run.track(float("nan"), name="odd", step=0)
    run.track(float("inf"), name="odd", step=1)
    run.close()

    with AimReader(str(root)) as reader:
        (ref,) = reader.runs()
        source = reader.read(ref)
        aim_run = reader.repo.get_run(ref.source_id)
        loaded = {
            (series.name, tuple(series.context.items())): series.load()
            for series in source.series
        }
        assert len(loaded) == 4
        for name, context, _ in aim_run.iter_sequence_info_by_type(
            ("float", "float64", "int", "number")
        ):
            steps, (values, epochs, times) = aim_run.get_metric(
                name, context
            ).data.numpy()
            got = loaded[(name, tuple(context.to_dict().items()))]
            for ours, aims in zip(got, (steps, values, epochs, times), strict=True):
                assert np.array_equal(
                    np.asarray(ours, float), np.asarray(aims, float), equal_nan=True
                ), name
