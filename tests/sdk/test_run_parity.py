"""The parts of `aim.Run` beyond tracking (issue 15, point 1), against a real daphne."""

import datetime
import io
import json
import time
import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image as PILImage

from aimsite.sdk import (
    AimsiteWarning,
    Audio,
    Distribution,
    Image,
    ReadOnlyRunError,
    Run,
)
from aimsite.sdk.run import to_run_hash
from runs.models import Artifact, LogLine, MetricSeries
from runs.models import Run as RunModel
from runs.services import expire_silent_runs
from tests.factories import make_run, make_user
from tests.helpers.clients import api_for
from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_read_only_opens_a_run_without_changing_it(server, owner, token):
    stored = make_run(owner, name="done", params={"lr": 0.1}, status="finished")
    before = RunModel.objects.get(pk=stored.pk)

    # Defaults on: a read-only run must still start nothing.
    run = Run(stored.hash, read_only=True, server=server.url, token=token)
    assert run.read_only and run.name == "done" and run["lr"] == 0.1
    assert run.get("missing", 3) == 3
    print("printed while a read-only run is open")
    for write in (
        lambda: run.__setitem__("lr", 1),
        lambda: run.track(1.0, name="loss"),
        lambda: run.add_tag("x"),
        lambda: setattr(run, "name", "changed"),
        lambda: run.log_info("hello"),
        lambda: run.__delitem__("lr"),
        lambda: run.report_progress(),
    ):
        with pytest.raises(ReadOnlyRunError, match="read_only=True"):
            write()
    run.close()
    with Run(stored.hash, read_only=True, server=server.url, token=token):
        pass

    after = RunModel.objects.get(pk=stored.pk)
    assert after.status == "finished" and after.params == {"lr": 0.1}
    assert after.updated_at == before.updated_at
    assert after.last_heartbeat == before.last_heartbeat
    assert not LogLine.objects.filter(run=after).exists()
    assert not MetricSeries.objects.filter(run=after).exists()


def test_read_only_needs_an_existing_run(server, token):
    with pytest.raises(ValueError, match="pass its run_hash"):
        Run(read_only=True, server=server.url, token=token)
    with pytest.raises(LookupError, match="there is no run"):
        Run("0" * 24, read_only=True, server=server.url, token=token)


def test_read_only_reads_another_users_run(server, token):
    stored = make_run(make_user("someone-else"), name="theirs")
    run = Run(stored.hash, read_only=True, server=server.url, token=token)
    assert run.name == "theirs"


def _run_json(user, run_hash: str) -> dict:
    answer = api_for(user).get(f"/api/v1/runs/{run_hash}/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_log_records_carry_their_level_to_the_logs_api(server, owner, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    run.log_lines(["plain output"])
    run.log_debug("shapes", batch=64)
    run.log_info("epoch done")
    run.log_warning("lr is high")
    run.log_error("loss is nan")
    run.close(wait=True)

    lines = api_for(owner).get(f"/api/v1/runs/{run.hash}/logs/").json()["lines"]
    assert [(line["level"], line["text"]) for line in lines] == [
        ("", "plain output"),
        ("debug", "shapes batch=64"),
        ("info", "epoch done"),
        ("warning", "lr is high"),
        ("error", "loss is nan"),
    ]


@pytest.mark.parametrize("level", ["fatal", "INFO", {}, [], 3, False])
def test_a_log_record_with_an_unknown_level_is_refused_whole(server, owner, level):
    stored = make_run(owner)
    answer = api_for(owner).post(
        f"/api/v1/runs/{stored.hash}/track",
        {
            "seq": 1,
            "params": {"a": 1},
            "logs": [{"line": 0, "text": "x", "level": level}],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "logs[0].level" in answer.json()["error"]
    assert RunModel.objects.get(pk=stored.pk).params == {}


def test_set_get_and_del_change_params_on_the_server(server, owner, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    run["hparams"] = {"lr": 0.1, "batch": 32}
    run.set("seed", 3)
    run.set(("nested", "key"), object(), strict=False)
    with pytest.raises(TypeError):
        run.set("bad", object())
    assert run.get("seed") == 3 and run.get("missing", "dflt") == "dflt"
    run._sender.wait_sent()  # the params reach the server before their removal
    del run["hparams", "lr"]
    run["hparams", "lr"] = 0.5  # set again after removal: kept
    del run["seed"]
    with pytest.raises(KeyError):
        del run["seed"]
    run.close(wait=True)
    params = _run_json(owner, run.hash)["params"]
    assert params["hparams"] == {"lr": 0.5, "batch": 32}
    assert "seed" not in params
    assert params["nested"]["key"].startswith("<object object")


def test_a_param_removed_and_resumed_stays_removed(server, owner, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    run["a"] = {"b": 1, "c": 2}
    run.close(wait=True)
    resumed = Run(run.hash, server=server.url, token=token, **quiet)
    del resumed["a", "b"]
    resumed.close(wait=True)
    assert _run_json(owner, run.hash)["params"] == {"a": {"c": 2}}


def test_properties_follow_aims_meaning(server, owner, token, quiet):
    before = time.time()
    run = Run(server=server.url, token=token, name="p", **quiet)
    assert run.active and run.end_time is None and run.finalized_at is None
    assert before <= run.creation_time <= time.time()
    assert run.created_at.tzinfo is None
    assert abs(
        run.created_at - datetime.datetime.utcfromtimestamp(run.creation_time)
    ) < timedelta(seconds=1)
    assert 0 <= run.duration < 60
    props = run.props
    assert props.name == "p" and props.experiment == "default" and props.active
    run.close(wait=True)
    assert not run.active and run.end_time >= run.creation_time
    assert run.duration == pytest.approx(run.end_time - run.creation_time)
    assert run.finalized_at.tzinfo is None

    reread = Run(run.hash, read_only=True, server=server.url, token=token)
    stored = RunModel.objects.get(hash=run.hash)
    assert reread.creation_time == pytest.approx(stored.created_at.timestamp())
    assert reread.end_time == pytest.approx(stored.finished_at.timestamp())
    assert not reread.active and not reread.props.active


def test_report_progress_sets_a_deadline_and_a_missed_one_fails_the_run(
    server, owner, token, quiet
):
    run = Run(server=server.url, token=token, **quiet)
    run.report_progress(expect_next_in=600, block=True)
    stored = RunModel.objects.get(hash=run.hash)
    assert stored.status == "active"
    assert stored.progress_deadline > timezone.now() + timedelta(seconds=500)

    # The promised report is missed by more than the grace period.
    RunModel.objects.filter(pk=stored.pk).update(
        progress_deadline=timezone.now() - timedelta(seconds=101)
    )
    assert expire_silent_runs() == 1
    assert RunModel.objects.get(pk=stored.pk).status == "failed"
    # Heartbeats alone (a hung loop's sender thread) do not revive it ...
    run.report_progress(block=True)
    assert RunModel.objects.get(pk=stored.pk).status == "failed"
    # ... its next progress report does.
    run.report_progress(expect_next_in=60, block=True)
    assert RunModel.objects.get(pk=stored.pk).status == "active"

    run.report_successful_finish()
    stored = RunModel.objects.get(pk=stored.pk)
    assert stored.status == "finished" and stored.progress_deadline is None
    run.track(1.0, name="loss")  # still tracking after the report
    run.close(wait=True)
    assert RunModel.objects.get(pk=stored.pk).status == "finished"
    assert MetricSeries.objects.get(run=stored, name="loss").count == 1


def test_artifacts_are_uploaded_listed_downloaded_and_deleted_with_the_run(
    server, owner, token, quiet, tmp_path
):
    (tmp_path / "model.bin").write_bytes(b"\x00weights" * 1000)
    checkpoints = tmp_path / "checkpoints"
    (checkpoints / "epoch1").mkdir(parents=True)
    (checkpoints / "epoch1" / "state.pt").write_bytes(b"one")
    (checkpoints / "notes.txt").write_text("two")

    run = Run(server=server.url, token=token, **quiet)
    run.set_artifacts_uri("s3://bucket/experiments")
    assert run.artifacts_uri == f"s3://bucket/experiments/{run.hash}"
    run.log_artifact(tmp_path / "model.bin")
    run.log_artifact(tmp_path / "model.bin", name="models/best.bin")
    run.log_artifacts(checkpoints)
    with pytest.raises(FileNotFoundError):
        run.log_artifact(tmp_path / "missing.bin")
    run.close(wait=True)

    client = api_for(owner)
    listed = client.get(f"/api/v1/runs/{run.hash}/artifacts").json()
    assert [item["name"] for item in listed] == [
        "checkpoints/epoch1/state.pt",
        "checkpoints/notes.txt",
        "model.bin",
        "models/best.bin",
    ]
    download = client.get(listed[2]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x00weights" * 1000
    assert "attachment" in download["Content-Disposition"]
    assert (
        _run_json(owner, run.hash)["meta"]["artifacts_uri"] == "s3://bucket/experiments"
    )

    anonymous = api_for(owner)
    anonymous.credentials()
    assert anonymous.get(listed[2]["url"]).status_code in (401, 403)
    other = api_for(make_user("not-the-owner"))
    assert other.get(listed[2]["url"]).status_code == 200  # every run is readable
    refused = other.post(
        f"/api/v1/runs/{run.hash}/artifacts",
        {"artifact": json.dumps({"name": "x.txt"}), "file": io.BytesIO(b"x")},
        format="multipart",
    )
    assert refused.status_code == 403

    from django.core.files.storage import default_storage

    names = list(
        Artifact.objects.filter(run__hash=run.hash).values_list("file", flat=True)
    )
    assert all(default_storage.exists(name) for name in names)
    assert client.delete(f"/api/v1/runs/{run.hash}/").status_code == 204
    assert not Artifact.objects.filter(run__hash=run.hash).exists()
    assert not any(default_storage.exists(name) for name in names)


@pytest.mark.parametrize(
    "name",
    ["", "/etc/passwd", "a/../b", "a//b", "./a", "a\\b", "a\x7fb", "x" * 501, None, 5],
)
def test_an_artifact_name_that_is_not_a_relative_path_is_refused(server, owner, name):
    stored = make_run(owner)
    answer = api_for(owner).post(
        f"/api/v1/runs/{stored.hash}/artifacts",
        {"artifact": json.dumps({"name": name}), "file": io.BytesIO(b"x")},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "name"
    assert not Artifact.objects.exists()


@pytest.mark.parametrize(
    "part", [None, "null", "[]", "not json", '{"name": "a", "extra": 1}']
)
def test_an_upload_without_a_json_artifact_part_is_refused(server, owner, part):
    stored = make_run(owner)
    body = {"file": io.BytesIO(b"x")}
    if part is not None:
        body["artifact"] = part
    answer = api_for(owner).post(
        f"/api/v1/runs/{stored.hash}/artifacts", body, format="multipart"
    )
    assert answer.status_code == 400 and "artifact" in answer.json()["error"]
    assert not Artifact.objects.exists()


def test_a_long_or_odd_artifact_name_is_stored_under_a_safe_file_name(server, owner):
    stored = make_run(owner)
    name = "deep/" + "ü" * 300 + ".tar.gz"
    answer = api_for(owner).post(
        f"/api/v1/runs/{stored.hash}/artifacts",
        {"artifact": json.dumps({"name": name}), "file": io.BytesIO(b"zz")},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    (artifact,) = Artifact.objects.filter(run=stored)
    assert artifact.name == name and artifact.file.read() == b"zz"
    assert len(Path(artifact.file.name).name) <= 100


def test_logging_an_artifact_again_replaces_its_file(server, owner):
    stored = make_run(owner)
    client = api_for(owner)
    for content in (b"first", b"second"):
        answer = client.post(
            f"/api/v1/runs/{stored.hash}/artifacts",
            {"artifact": json.dumps({"name": "a.txt"}), "file": io.BytesIO(content)},
            format="multipart",
        )
        assert answer.status_code == 201
    (artifact,) = Artifact.objects.filter(run=stored)
    assert artifact.size == 6 and artifact.file.read() == b"second"


def test_repo_addresses_the_server_and_refuses_what_is_not_a_server(
    server, owner, token, quiet
):
    address = server.url.removeprefix("http://")
    run = Run(repo=f"aim://{address}", token=token, **quiet)
    assert run.server == server.url
    run.close(wait=True)
    assert _run_json(owner, run.hash)["status"] == "finished"
    with Run(repo=f"{server.url}/", token=token, **quiet) as by_url:
        assert by_url.server == server.url
    with pytest.raises(ValueError, match="AIMSITE_SERVER"):
        Run(repo=".aim", token=token, **quiet)
    with pytest.raises(ValueError, match="aim://HOST:PORT"):
        Run(repo="s3://bucket/aim", token=token, **quiet)
    with pytest.raises(TypeError, match="server address"):
        Run(repo=42, token=token, **quiet)
    with pytest.raises(ValueError, match="different servers"):
        Run(repo="aim://example.invalid:1", server=server.url, token=token, **quiet)


def test_run_hash_maps_the_strings_aim_users_pass_by_one_rule(
    server, owner, token, quiet
):
    uuid = "0F2C9E3A-7B1D-4E5F-9A8B-1C2D3E4F5A6B"
    assert to_run_hash("a" * 24) == "a" * 24
    assert to_run_hash("AAAA-AAAA-AAAA-AAAA-AAAA-AAAA") == "a" * 24
    assert to_run_hash(uuid) == to_run_hash(uuid.lower().replace("-", ""))
    assert len(to_run_hash(uuid)) == 24 and to_run_hash(uuid) != to_run_hash("other")
    with pytest.raises(ValueError):
        to_run_hash("  ")

    run = Run(uuid, server=server.url, token=token, **quiet)
    run["lr"] = 0.1
    run.close(wait=True)
    resumed = Run(uuid.lower(), read_only=True, server=server.url, token=token)
    assert resumed.hash == run.hash and resumed["lr"] == 0.1
    # The server keeps its own rule.
    answer = api_for(owner).post(
        "/api/v1/runs/", {"hash": uuid, "experiment": "x"}, format="json"
    )
    assert answer.status_code == 400


def test_track_after_close_does_not_raise_and_warns_once(server, owner, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    run.track(1.0, name="loss")
    run.close(wait=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(5):
            run.track(2.0, name="loss", step=step + 1)
            run.track(Distribution([1, 2]), name="dist")
            run.log_info("late")
    late = [w for w in caught if issubclass(w.category, AimsiteWarning)]
    assert len(late) == 1 and "closed" in str(late[0].message)
    assert MetricSeries.objects.get(run__hash=run.hash, name="loss").count == 1


def test_distribution_has_aims_ranges_and_weights():
    from_samples = Distribution(samples=[0.0, 1.0, 1.0, 3.0], bin_count=3)
    assert from_samples.weights.tolist() == [1.0, 2.0, 1.0]
    assert from_samples.ranges.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert from_samples.bin_count == 3 and from_samples.range == [0.0, 3.0]
    from_hist = Distribution(hist=[5, 0, 1, 2], bin_range=(-1, 1))
    assert from_hist.weights.tolist() == [5.0, 0.0, 1.0, 2.0]
    assert from_hist.ranges.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    weights, edges = Distribution.from_samples(
        np.arange(10), bin_count=5
    ).to_np_histogram()
    assert np.array_equal(weights, np.histogram(np.arange(10), bins=5)[0])
    assert np.array_equal(edges, np.histogram(np.arange(10), bins=5)[1])
    with pytest.raises(ValueError, match="not both"):
        Distribution(samples=[1], hist=[1], bin_range=(0, 1))
    with pytest.raises(ValueError, match="1 to 512"):
        Distribution(samples=[1], bin_count=513)


def _tracked_sequences(server, owner, token, quiet, objects: dict) -> list:
    """Track each name's object on a real server; the run's (name, count) pairs."""
    run = Run(server=server.url, token=token, **quiet)
    for name, tracked in objects.items():
        run.track(tracked, name=name)
    run.close(wait=True)
    sequences = api_for(owner).get(f"/api/v1/runs/{run.hash}/objects").json()
    return sorted((item["name"], item["count"]) for item in sequences)


def test_image_from_a_matplotlib_figure(server, owner, token, quiet):
    pyplot = import_or_skip("matplotlib.pyplot")
    figure, axes = pyplot.subplots(figsize=(2, 1), dpi=50)
    axes.plot([0, 1], [1, 0])
    from_figure = Image(figure, caption="curve")
    pyplot.close(figure)
    decoded = PILImage.open(io.BytesIO(from_figure.content))
    assert decoded.format == "PNG" and decoded.size[0] > 10
    assert _tracked_sequences(server, owner, token, quiet, {"curves": from_figure}) == [
        ("curves", 1)
    ]


def test_image_from_a_torch_tensor(server, owner, token, quiet):
    torch = import_or_skip("torch")
    tensor = torch.zeros(3, 4, 5, requires_grad=True) + 0
    with torch.no_grad():
        tensor[0] = 1.0  # red, channels first as torch keeps them
    from_tensor = Image(tensor)
    pixels = np.asarray(PILImage.open(io.BytesIO(from_tensor.content)))
    assert pixels.shape == (4, 5, 3) and pixels[0, 0].tolist() == [255, 0, 0]
    assert _tracked_sequences(
        server, owner, token, quiet, {"tensors": [from_tensor, Image(tensor)]}
    ) == [("tensors", 2)]


def test_audio_from_bytesio(server, owner, token, quiet):
    wav = Audio(np.zeros(100), rate=8000).content
    from_buffer = Audio(io.BytesIO(wav), format="wav")
    assert from_buffer.content == wav and from_buffer.format == "wav"
    assert _tracked_sequences(server, owner, token, quiet, {"sound": from_buffer}) == [
        ("sound", 1)
    ]


def test_log_system_params_is_off_by_default(server, owner, token):
    run = Run(
        server=server.url,
        token=token,
        system_tracking_interval=None,
        capture_terminal_logs=False,
    )
    run["x"] = 1
    run.close(wait=True)
    assert "__system_params" not in _run_json(owner, run.hash)["meta"]


def test_dataframe_and_equality_follow_aim(server, token, quiet):
    pandas = import_or_skip("pandas")
    run = Run(server=server.url, token=token, name="df", **quiet)
    run["hparams"] = {"lr": 0.1, "layers": [2, 3], "opt": {"name": "adam"}}
    run.add_tag("best")
    frame = run.dataframe()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 1
    row = frame.iloc[0]
    assert row["hash"] == run.hash and row["name"] == "df" and row["tags"] == '["best"]'
    assert row["hparams.lr"] == 0.1 and row["hparams.layers"] == "[2, 3]"
    assert row["hparams.opt.name"] == "adam"
    assert list(run.dataframe(include_props=False).columns) == [
        "hash",
        "hparams.lr",
        "hparams.layers",
        "hparams.opt.name",
    ]
    run.close(wait=True)
    again = Run(run.hash, read_only=True, server=server.url, token=token)
    assert again == run and hash(again) == hash(run) and {again, run} == {run}


def test_log_artifact_refuses_a_name_that_is_not_a_relative_path_at_once(
    server, token, quiet, tmp_path
):
    (tmp_path / "a.txt").write_text("a")
    with Run(server=server.url, token=token, **quiet) as run:
        for name in ("../a.txt", "/abs.txt", "a//b", "a\\b"):
            with pytest.raises(ValueError, match="relative path"):
                run.log_artifact(tmp_path / "a.txt", name=name)
        with pytest.raises(NotADirectoryError):
            run.log_artifacts(tmp_path / "a.txt")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"unset": "hparams"}, "unset"),
        ({"unset": [[]]}, "unset[0]"),
        ({"unset": [["a", 1]]}, "unset[0]"),
        ({"expect_next_in": -1}, "expect_next_in"),
        ({"expect_next_in": True}, "expect_next_in"),
        ({"expect_next_in": 10**9}, "expect_next_in"),
    ],
)
def test_bad_removals_and_progress_reports_are_refused_whole(
    server, owner, extra, field
):
    stored = make_run(owner, params={"a": 1})
    answer = api_for(owner).post(
        f"/api/v1/runs/{stored.hash}/track",
        {"seq": 1, "params": {"b": 2}, **extra},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    after = RunModel.objects.get(pk=stored.pk)
    assert after.params == {"a": 1} and after.progress_deadline is None
