"""The SDK against a real daphne server: every call round-trips to what the API returns."""

import math
import warnings

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image as PILImage

from aimsite.sdk import (
    AimsiteWarning,
    Audio,
    Distribution,
    Figure,
    Image,
    Run,
    Text,
    flush,
)
from media_tracks.models import ObjectRecord, ObjectSequence
from runs.models import LogLine, MetricSeries
from runs.points import read_points
from tests.factories import make_run, make_user
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db(transaction=True)


def _run_json(owner, run_hash: str) -> dict:
    answer = api_for(owner).get(f"/api/v1/runs/{run_hash}/")
    assert answer.status_code == 200
    return answer.json()


def _points(run_hash: str, name: str, context: dict | None = None):
    series = MetricSeries.objects.get(
        run__hash=run_hash, name=name, context=context or {}
    )
    return read_points(series)


def test_params_name_description_tags_and_archive_round_trip(
    server, owner, token, quiet
):
    run = Run(experiment="mnist", server=server.url, token=token, **quiet)
    run["hparams"] = {"lr": 0.001, "batch_size": 64, "layers": (2, 3)}
    run["dataset", "name"] = "digits"
    run["seed"] = np.int64(7)
    run.name = "baseline"
    run.description = "first try"
    run.add_tag("cnn")
    run.add_tag("fast")
    run.remove_tag("fast")
    run.archived = True
    assert run["hparams"]["lr"] == 0.001
    assert run["dataset", "name"] == "digits"
    assert run.experiment == "mnist" and run.archived and run.tags == ["cnn"]
    run.close(wait=True)

    data = _run_json(owner, run.hash)
    assert data["params"] == {
        "hparams": {"lr": 0.001, "batch_size": 64, "layers": [2, 3]},
        "dataset": {"name": "digits"},
        "seed": 7,
    }
    assert data["name"] == "baseline" and data["description"] == "first try"
    assert data["experiment"] == "mnist"
    assert [tag["name"] for tag in data["tags"]] == ["cnn"]
    assert data["is_archived"] is True
    assert data["status"] == "finished" and data["finished_at"] is not None


def test_params_that_are_not_json_are_refused_at_once(server, token, quiet):
    with Run(server=server.url, token=token, **quiet) as run:
        with pytest.raises(ValueError, match="finite"):
            run["lr"] = math.nan
        with pytest.raises(TypeError):
            run["callback"] = object()


def test_track_numbers_dicts_steps_epochs_and_contexts(server, owner, token, quiet):
    with Run(server=server.url, token=token, **quiet) as run:
        for step in range(5):
            run.track(
                1.0 / (step + 1),
                name="loss",
                epoch=step // 2,
                context={"subset": "train"},
            )
        run.track(0.5, name="loss", step=10, context={"subset": "val"})
        run.track(0.25, name="loss", context={"subset": "val"})
        run.track({"acc": 0.9, "f1": np.float32(0.75)}, step=3)
        run.track(np.float64(2.5), name="lr")
    flush()  # close() hands the last batch to the courier; wait for the server

    train = _points(run.hash, "loss", {"subset": "train"})
    assert train.steps.tolist() == [0, 1, 2, 3, 4]
    assert train.values.tolist() == [1.0, 0.5, 1 / 3, 0.25, 0.2]
    assert train.epochs.tolist() == [0, 0, 1, 1, 2]
    assert _points(run.hash, "loss", {"subset": "val"}).steps.tolist() == [10, 11]
    assert _points(run.hash, "acc").steps.tolist() == [3]
    assert _points(run.hash, "f1").values.tolist() == [0.75]
    assert _points(run.hash, "lr").values.tolist() == [2.5]


def test_nan_and_infinity_survive_the_trip(server, token, quiet):
    with Run(server=server.url, token=token, **quiet) as run:
        for value in (1.0, math.nan, math.inf, -math.inf):
            run.track(value, name="odd")
    flush()
    values = _points(run.hash, "odd").values
    assert values[0] == 1.0 and math.isnan(values[1])
    assert values[2] == math.inf and values[3] == -math.inf


def test_bad_track_arguments_raise_in_the_caller(server, token, quiet):
    with Run(server=server.url, token=token, **quiet) as run:
        with pytest.raises(ValueError):
            run.track(1.0, name="")
        with pytest.raises(TypeError):
            run.track(1.0, name="loss", context={"subset": ["a"]})
        with pytest.raises(ValueError):
            run.track(1.0, name="loss", step=-1)
        with pytest.raises(TypeError):
            run.track("high", name="loss")


def test_resuming_a_run_reads_its_params_and_continues_steps_and_logs(
    server, owner, token, quiet
):
    with Run(experiment="resume", server=server.url, token=token, **quiet) as first:
        first["hparams"] = {"lr": 0.1}
        first.add_tag("resumable")
        first.track(1.0, name="loss")
        first.track(2.0, name="loss")
        first.log_lines(["first session"])

    again = Run(run_hash=first.hash, server=server.url, token=token, **quiet)
    assert again["hparams"] == {"lr": 0.1}
    assert again.experiment == "resume" and again.tags == ["resumable"]
    again["hparams", "momentum"] = 0.9
    again.track(3.0, name="loss")
    again.log_lines(["second session"])
    again.close(wait=True)

    assert _points(first.hash, "loss").steps.tolist() == [0, 1, 2]
    lines = list(
        LogLine.objects.filter(run__hash=first.hash)
        .order_by("line")
        .values_list("line", "text")
    )
    assert lines == [(0, "first session"), (1, "second session")]
    assert _run_json(owner, first.hash)["params"] == {
        "hparams": {"lr": 0.1, "momentum": 0.9}
    }


def test_resuming_a_run_by_a_new_hash_creates_it(server, owner, token, quiet):
    run_hash = "ab" * 12
    with Run(run_hash=run_hash, server=server.url, token=token, **quiet) as run:
        run.track(1.0, name="x")
    flush()
    assert _run_json(owner, run_hash)["status"] == "finished"


def test_objects_round_trip_with_batches_and_indices(server, token, quiet, tmp_path):
    path = tmp_path / "blue.png"
    PILImage.new("RGB", (5, 4), "blue").save(path)
    with Run(server=server.url, token=token, **quiet) as run:
        run.track(
            [
                Image(np.zeros((8, 8)), caption="black"),
                Image(PILImage.new("RGB", (3, 3))),
                Image(path),
            ],
            name="samples",
            context={"subset": "val"},
        )
        run.track(
            Image(np.ones((8, 8, 3))),
            name="samples",
            context={"subset": "val"},
            epoch=1,
        )
        run.track(Audio(np.zeros(400), rate=8000), name="voice")
        run.track(Text("hello"), name="notes", step=4)
        run.track(Figure(go.Figure(go.Bar(y=[1, 2]))), name="chart")
        run.track(Distribution(np.arange(100), bin_count=10), name="weights")
        run.track(Distribution(hist=[1, 2], bin_range=(0, 1)), name="weights")
    flush()

    samples = ObjectSequence.objects.get(run__hash=run.hash, name="samples")
    assert samples.kind == "image" and samples.context == {"subset": "val"}
    records = list(
        ObjectRecord.objects.filter(sequence=samples).order_by("step", "index")
    )
    assert [(r.step, r.index) for r in records] == [(0, 0), (0, 1), (0, 2), (1, 0)]
    assert records[0].caption == "black" and records[0].width == 8
    assert (records[2].width, records[2].height) == (5, 4) and records[3].epoch == 1
    assert (
        ObjectRecord.objects.get(
            sequence__name="voice", sequence__run__hash=run.hash
        ).format
        == "wav"
    )
    text = ObjectRecord.objects.get(
        sequence__name="notes", sequence__run__hash=run.hash
    )
    assert (text.step, text.text) == (4, "hello")
    chart = ObjectRecord.objects.get(
        sequence__name="chart", sequence__run__hash=run.hash
    )
    assert chart.data["data"][0]["type"] == "bar"
    weights = ObjectRecord.objects.filter(
        sequence__name="weights", sequence__run__hash=run.hash
    ).order_by("step")
    assert [w.data["range"] for w in weights] == [[0.0, 99.0], [0.0, 1.0]]
    assert sum(weights[0].data["bins"]) == 100


def test_terminal_output_is_captured_with_progress_bars_collapsed(
    server, token, capsys
):
    with Run(
        server=server.url,
        token=token,
        system_tracking_interval=None,
        log_system_params=False,
    ) as run:
        print("epoch 1 starting")
        for percent in (10, 50, 100):
            print(f"\rprogress {percent}%", end="")
        print()
        import sys

        print("a warning line", file=sys.stderr)
    flush()
    assert "epoch 1 starting" in capsys.readouterr().out  # still printed as usual
    texts = list(
        LogLine.objects.filter(run__hash=run.hash)
        .order_by("line")
        .values_list("text", flat=True)
    )
    assert texts == ["epoch 1 starting", "progress 100%", "a warning line"]


def test_system_params_and_metrics_are_recorded_with_secrets_masked(
    server, owner, token, monkeypatch
):
    monkeypatch.setenv("MY_API_TOKEN", "very-secret")
    monkeypatch.setenv("PLAIN_SETTING", "visible")
    run = Run(
        server=server.url,
        token=token,
        system_tracking_interval=0.1,
        capture_terminal_logs=False,
        log_system_params=True,  # off by default, as in Aim
    )
    names: set[str] = set()
    for _ in range(100):
        names = {series.name for series in list(run._series.values())}
        if "__system__cpu" in names:
            break
        import time

        time.sleep(0.05)
    run.close(wait=True)
    system = _run_json(owner, run.hash)["meta"]["__system_params"]
    assert (
        system["env"]["MY_API_TOKEN"] == "***"
        and system["env"]["PLAIN_SETTING"] == "visible"
    )
    assert "numpy" in {name.lower() for name in system["packages"]}
    assert (
        system["git_info"].keys() >= {"remote", "branch", "commit", "dirty"}
        or system["git_info"] == {}
    )
    assert isinstance(system["argv"], list) and system["hostname"] and system["python"]
    assert system["start_time"] > 0
    tracked = set(
        MetricSeries.objects.filter(run__hash=run.hash).values_list("name", flat=True)
    )
    assert {
        "__system__cpu",
        "__system__memory_percent",
        "__system__p_memory_rss",
    } <= tracked


def test_an_exception_in_a_with_block_marks_the_run_failed_with_its_traceback(
    server, owner, token, quiet
):
    with (
        pytest.raises(ZeroDivisionError),
        Run(server=server.url, token=token, **quiet) as run,
    ):
        run.track(1.0, name="loss")
        1 / 0  # noqa: B018
    flush()
    assert _run_json(owner, run.hash)["status"] == "failed"
    log = "\n".join(
        LogLine.objects.filter(run__hash=run.hash).values_list("text", flat=True)
    )
    assert "ZeroDivisionError" in log and "Traceback" in log


def test_a_refused_request_warns_once_and_does_not_block_later_data(
    server, token, quiet
):
    someone_else = make_run(make_user("mallory"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = Run(
            run_hash=someone_else.hash, server=server.url, token=token, **quiet
        )
        theirs.track(1.0, name="loss")
        theirs.close()
        with Run(server=server.url, token=token, **quiet) as mine:
            mine.track(2.0, name="loss")
        flush()
    messages = [
        str(w.message) for w in caught if issubclass(w.category, AimsiteWarning)
    ]
    assert any("403" in message for message in messages), messages
    assert len(messages) == len(set(messages))
    assert not MetricSeries.objects.filter(run=someone_else).exists()
    assert _points(mine.hash, "loss").values.tolist() == [2.0]
