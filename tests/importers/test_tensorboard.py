from datetime import datetime

import pytest

from aimsite.importers.base import source_hash
from tests.helpers.optional import import_or_skip
from tests.importers.sources import build_tensorboard_logdir

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    import_or_skip("tensorboard")
    root = tmp_path_factory.mktemp("tensorboard") / "logs"
    return root, build_tensorboard_logdir(root)


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_tensorboard_logs_come_over_whole(logdir, run_import, api_reader):
    root, written = logdir
    done = run_import("tensorboard", root)
    assert done.returncode == 0, done.stderr
    assert (
        "Imported 2 runs, 4 series, 32 points, 4 objects, 0 log lines, 0 artifacts."
        in done.stdout
    )

    run = api_reader.run(source_hash("tensorboard", str(root / "run1")))
    assert run["name"] == "run1" and run["experiment"] == "default"
    assert run["status"] == "finished"
    assert _when(run["created_at"]) == written["start"]
    assert _when(run["finished_at"]) == written["start"] + 19
    assert run["params"] == {
        "tensorboard_logdir": str(root / "run1"),
        "hparams": {"lr": 0.01, "optimizer": "adam", "use_bn": True},
    }

    series = api_reader.series(run["hash"])
    train, validation = (("entry", "train"),), (("entry", "validation"),)
    assert set(series) == {
        ("loss/total", train),
        ("loss/total", validation),
        ("metrics/acc/top1", train),
    }
    loss = series[("loss/total", train)]["points"]
    assert loss["steps"] == [step for step, _ in written["train"]]
    assert loss["values"] == pytest.approx([v for _, v in written["train"]], rel=1e-6)
    assert loss["times"] == [written["start"] + step for step, _ in written["train"]]
    assert series[("loss/total", validation)]["points"]["values"] == pytest.approx(
        [v for _, v in written["validation"]], rel=1e-6
    )
    assert series[("metrics/acc/top1", train)]["points"]["steps"] == [0, 4, 8, 12, 16]

    objects = api_reader.objects(run["hash"])
    images = objects[("image", "inputs", train)]
    assert [(r["step"], r["index"], r["format"]) for r in images] == [
        (2, 0, "png"),
        (2, 1, "png"),
    ]
    assert (images[0]["width"], images[0]["height"]) == (6, 8)
    assert api_reader.file(images[1]["url"]).startswith(b"\x89PNG")
    (histogram,) = objects[("distribution", "layer1/weights", train)]
    assert histogram["data"] == {"bins": [3.0, 5.0], "range": [-1.0, 1.0]}
    (text,) = objects[("text", "notes", train)]
    assert (text["step"], text["text"]) == (2, "hello *tensorboard*")

    other = api_reader.run(source_hash("tensorboard", str(root / "run2")))
    assert other["name"] == "run2"
    ((key, only),) = api_reader.series(other["hash"]).items()
    assert key == ("x", ())
    assert only["points"]["values"] == [0.0, 1.5, 3.0]

    found = api_reader.get("runs/", q='run.hparams.optimizer == "adam"')["results"]
    assert [r["hash"] for r in found] == [run["hash"]]

    before = api_reader.snapshot()
    again = run_import("tensorboard", root)
    assert again.returncode == 0, again.stderr
    assert "Nothing new: all 2 runs of this source were imported before" in again.stdout
    assert api_reader.snapshot() == before


def test_a_dry_run_writes_nothing(logdir, run_import, api_reader):
    root, _ = logdir
    done = run_import("tensorboard", root, "--dry-run", "--experiment", "tb")
    assert done.returncode == 0, done.stderr
    assert "Would import 2 runs, 4 series, 32 points, 4 objects" in done.stdout
    assert api_reader.runs() == []


def test_broken_event_files_are_reported_and_the_rest_imports(
    logdir, run_import, api_reader, tmp_path
):
    import shutil

    root, _ = logdir
    logs = tmp_path / "logs"
    shutil.copytree(root, logs)
    (logs / "run3").mkdir()
    (logs / "run3" / "events.out.tfevents.1.garbage").write_bytes(b"\x01\x02" * 200)
    (original,) = (logs / "run2").iterdir()
    data = original.read_bytes()
    original.write_bytes(data[: len(data) - 20])  # the last event is half-written
    done = run_import("tensorboard", logs, "--experiment", "tb")
    assert done.returncode == 0, done.stderr
    assert (
        "tensorboard run run3: ValueError: events.out.tfevents.1.garbage holds no "
        "readable event (a corrupt file?)"
    ) in done.stdout.split("Failed (1 runs")[1]
    assert f"tensorboard run run2: {original.name} is cut short" in done.stdout
    runs = {r["name"]: r for r in api_reader.runs()}
    assert set(runs) == {"run1", "run2"}
    assert {r["experiment"] for r in runs.values()} == {"tb"}
    ((_, cut),) = api_reader.series(runs["run2"]["hash"]).items()
    assert cut["points"]["values"] == [0.0, 1.5]


def test_event_files_right_in_logdir_are_a_clear_error(logdir, run_import, tmp_path):
    root, _ = logdir
    (event_file,) = (root / "run2").iterdir()
    (tmp_path / event_file.name).write_bytes(event_file.read_bytes())
    done = run_import("tensorboard", tmp_path)
    assert done.returncode != 0
    assert "pass the folder above it" in done.stderr
