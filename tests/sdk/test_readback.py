"""Reading runs back with the SDK, as Aim's Repo does, against a real daphne:
what was tracked through the SDK comes back equal, queries select the right
series, and refusals raise exceptions that say what to fix."""

import math
import time

import numpy as np
import pytest
from PIL import Image as PILImage

from aimsite.sdk import AccessError, Image, QueryError, Repo, Run
from aimsite.sdk import reading as reading_module
from tests.factories import make_token, make_user
from tests.helpers.optional import import_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def _tracked_run(server, token, quiet, **fields) -> tuple[Run, float, float]:
    """A run with two contexts of `loss`, epochs, a NaN, and an `acc` series."""
    before = time.time()
    run = Run(server=server.url, token=token, **quiet, **fields)
    run["hparams"] = {"lr": 0.01, "batch_size": 32}
    for step in range(30):
        run.track(
            1.0 / (step + 1),
            name="loss",
            step=step,
            epoch=step // 10,
            context={"subset": "train"},
        )
    for step in range(0, 30, 10):
        run.track(
            math.nan if step == 10 else step / 100,
            name="loss",
            step=step,
            context={"subset": "val"},
        )
    run.track(0.5, name="acc")
    run.close(wait=True)
    return run, before, time.time()


def test_a_tracked_run_reads_back_equal(server, token, quiet):
    tracked, before, after = _tracked_run(server, token, quiet, experiment="mnist")

    run = Run(tracked.hash, server=server.url, token=token, read_only=True)
    train = run.get_metric("loss", {"subset": "train"})
    val = run.get_metric("loss", {"subset": "val"})

    assert train.name == "loss" and train.context == {"subset": "train"}
    assert train.run is run
    assert train.steps.dtype == np.int64
    assert train.steps.tolist() == list(range(30))
    assert np.array_equal(train.values, [1.0 / (step + 1) for step in range(30)])
    assert train.epochs.tolist() == [step // 10 for step in range(30)]
    assert np.all((train.timestamps >= before - 1) & (train.timestamps <= after + 1))
    assert np.all(np.diff(train.timestamps) >= -1e-3)
    assert val.steps.tolist() == [0, 10, 20]
    assert val.values[0] == 0.0 and math.isnan(val.values[1]) and val.values[2] == 0.2
    assert np.isnan(val.epochs).all()  # none were logged
    assert len(val) == 3


def test_metrics_and_iter_metrics_info_list_every_series(server, token, quiet):
    tracked, _before, _after = _tracked_run(server, token, quiet)
    run = Run(tracked.hash, server=server.url, token=token, read_only=True)

    listed = {(metric.name, str(metric.context)) for metric in run.metrics()}
    infos = list(run.iter_metrics_info())

    assert listed == {
        ("loss", "{'subset': 'train'}"),
        ("loss", "{'subset': 'val'}"),
        ("acc", "{}"),
    }
    assert {(name, str(context)) for name, context, _run in infos} == listed
    assert all(item is run for _name, _context, item in infos)
    assert run.get_metric("acc").values.tolist() == [0.5]
    assert run.get_metric("loss") is None  # no loss with the empty context
    assert run.get_metric("missing", {}) is None


def test_query_runs_selects_by_run_fields(server, token, quiet):
    repo = Repo(server.url, token=token)
    fast = Run(experiment="readback-q", server=server.url, token=token, **quiet)
    fast["hparams"] = {"lr": 0.1}
    fast.track(1.0, name="loss")
    slow = Run(experiment="readback-q", server=server.url, token=token, **quiet)
    slow["hparams"] = {"lr": 0.001}
    fast.close(wait=True)
    slow.close(wait=True)

    found = list(
        repo.query_runs(
            'run.experiment == "readback-q" and run.hparams.lr > 0.01'
        ).iter_runs()
    )
    everyone = {
        item.run.hash
        for item in repo.query_runs('run.experiment == "readback-q"').iter_runs()
    }

    assert [item.run.hash for item in found] == [fast.hash]
    assert found[0].run.read_only and found[0].run["hparams"] == {"lr": 0.1}
    assert [metric.name for metric in found[0]] == ["loss"]
    assert everyone == {fast.hash, slow.hash}
    assert {
        metric.run_hash for metric in repo.query_runs('run.experiment == "readback-q"')
    } == {fast.hash}
    assert repo.get_run(fast.hash).hash == fast.hash
    assert repo.get_run("0" * 24) is None
    assert fast.hash in repo.list_all_runs()


def test_query_metrics_selects_by_metric_and_run_fields(server, token, quiet):
    repo = Repo(server.url, token=token)
    tracked = [
        _tracked_run(server, token, quiet, experiment="readback-m")[0] for _ in range(2)
    ]

    val = list(
        repo.query_metrics(
            'run.experiment == "readback-m" and metric.name == "loss" and metric.context.subset == "val"'
        )
    )
    per_run = list(repo.query_metrics('run.experiment == "readback-m"').iter_runs())
    none = list(
        repo.query_metrics('run.experiment == "readback-m" and metric.last > 100')
    )

    assert sorted(metric.run_hash for metric in val) == sorted(
        run.hash for run in tracked
    )
    assert all(metric.context == {"subset": "val"} for metric in val)
    assert val[0].run.hash == val[0].run_hash and val[0].run.experiment == "readback-m"
    assert val[0].steps.tolist() == [0, 10, 20]
    assert sorted(item.run.hash for item in per_run) == sorted(
        run.hash for run in tracked
    )
    assert all(len(list(item)) == 3 for item in per_run)
    assert none == []


def test_a_large_series_is_read_page_by_page(server, token, quiet, monkeypatch):
    requests_made = []
    real_get = reading_module.Reader.get

    def counting_get(self, path, params=None, **options):
        requests_made.append((path, dict(params or {})))
        return real_get(self, path, params, **options)

    run = Run(server=server.url, token=token, **quiet)
    values = np.sin(np.arange(120_000) / 1000.0)
    for step, value in enumerate(values.tolist()):
        run.track(value, name="wave", step=step * 2, epoch=step // 40_000)
    run.close(wait=True)
    monkeypatch.setattr(reading_module.Reader, "get", counting_get)

    metric = Run(run.hash, server=server.url, token=token, read_only=True).get_metric(
        "wave"
    )

    assert metric.steps.tolist() == list(range(0, 240_000, 2))
    assert np.array_equal(metric.values, values)
    assert metric.epochs.tolist() == [step // 40_000 for step in range(120_000)]
    pages = [params for path, params in requests_made if path.endswith("/points")]
    assert [page.get("after_step") for page in pages] == [None, 99_998, 199_998]


def test_query_images_reads_the_images_back(server, token, quiet):
    run = Run(experiment="readback-i", server=server.url, token=token, **quiet)
    for step in range(3):
        run.track(
            [Image(PILImage.new("RGB", (4 + step, 3), "red"), caption=f"s{step}")],
            name="samples",
            step=step,
            context={"subset": "val"},
        )
    run.track(Image(PILImage.new("RGB", (2, 2))), name="other")
    run.close(wait=True)
    repo = Repo(server.url, token=token)

    found = list(
        repo.query_images('run.experiment == "readback-i" and images.name == "samples"')
    )

    assert len(found) == 1
    sequence = found[0]
    assert (sequence.name, sequence.context, sequence.run.hash) == (
        "samples",
        {"subset": "val"},
        run.hash,
    )
    records = list(sequence.records())
    assert [(r.step, r.index, r.caption) for r in records] == [
        (0, 0, "s0"),
        (1, 0, "s1"),
        (2, 0, "s2"),
    ]
    assert records[2].to_pil_image().size == (6, 3)
    read_only = Run(run.hash, server=server.url, token=token, read_only=True)
    same = read_only.get_image_sequence("samples", {"subset": "val"})
    assert [r.caption for r in same.records(step_min=1)] == ["s1", "s2"]
    assert read_only.get_image_sequence("samples") is None
    assert read_only.get_text_sequence("samples", {"subset": "val"}) is None


def test_a_bad_query_raises_with_the_servers_message_and_position(server, token):
    repo = Repo(server.url, token=token)

    with pytest.raises(QueryError) as metrics_error:
        list(repo.query_metrics("metric.name == "))
    with pytest.raises(QueryError) as runs_error:
        list(repo.query_runs("run.hparams.lr >> 1").iter_runs())
    with pytest.raises(QueryError) as images_error:
        list(repo.query_images("images.nope == 1"))

    assert metrics_error.value.position is not None
    assert "column" in str(metrics_error.value)
    assert runs_error.value.position is not None and runs_error.value.status == 400
    assert "nope" in str(images_error.value)
    assert isinstance(metrics_error.value, ValueError)


def test_reading_without_a_valid_token_raises_access_error(server, owner):
    with pytest.raises(AccessError, match="AIMSITE_TOKEN"):
        list(Repo(server.url).query_runs(""))
    with pytest.raises(AccessError):
        list(Repo(server.url, token="not-a-token").query_metrics(""))


def test_a_run_is_read_the_same_by_another_user(server, token, quiet):
    tracked, _before, _after = _tracked_run(server, token, quiet)
    reader_token = make_token(make_user("sdk-reader"))

    run = Run(tracked.hash, server=server.url, token=reader_token, read_only=True)

    assert run.get_metric("loss", {"subset": "train"}).values[0] == 1.0


def test_repo_takes_aims_addresses_and_refuses_a_local_path(server, token, monkeypatch):
    port = server.url.rsplit(":", 1)[1]
    monkeypatch.setenv("AIMSITE_SERVER", server.url)
    monkeypatch.setenv("AIMSITE_TOKEN", token)

    assert Repo(f"aim://127.0.0.1:{port}").server == server.url
    assert Repo().server == server.url
    assert isinstance(Repo().list_all_runs(), list)
    with pytest.raises(ValueError, match=r"local Aim repository.*AIMSITE_SERVER"):
        Repo("/home/me/.aim")
    with pytest.raises(ValueError, match="aim://HOST:PORT"):
        Repo("ftp://somewhere")


def test_dataframes_of_a_metric_and_of_runs(server, token, quiet):
    import_or_skip("pandas")
    tracked, _before, _after = _tracked_run(
        server, token, quiet, experiment="readback-d"
    )
    repo = Repo(server.url, token=token)

    metric = Run(
        tracked.hash, server=server.url, token=token, read_only=True
    ).get_metric("loss", {"subset": "train"})
    frame = metric.dataframe(include_name=True, include_context=True, include_run=True)
    metrics_frame = repo.query_metrics('run.experiment == "readback-d"').dataframe()
    runs_frame = repo.query_runs('run.experiment == "readback-d"').dataframe()

    assert list(frame.columns[:5]) == ["idx", "step", "value", "epoch", "time"]
    assert frame["value"].tolist() == metric.values.tolist()
    assert (frame["metric.name"] == "loss").all()
    assert (frame["metric.context.subset"] == "train").all()
    assert (frame["run.hash"] == tracked.hash).all()
    assert (frame["run.hparams.lr"] == 0.01).all()
    assert str(frame["time"].dt.tz) == "UTC"
    assert len(metrics_frame) == 30 + 3 + 1
    assert runs_frame["hash"].tolist() == [tracked.hash]
    assert runs_frame["hparams.batch_size"].tolist() == [32]
    assert runs_frame["experiment"].tolist() == ["readback-d"]


def test_the_read_back_example_of_aims_documentation_runs_unchanged(
    server, token, quiet
):
    tracked = [
        _tracked_run(server, token, quiet, experiment="readback-aim")[0]
        for _ in range(2)
    ]
    my_repo = Repo(server.url, token=token)
    query = "metric.name == 'loss' and run.experiment == 'readback-aim'"

    seen = []
    for run_metrics_collection in my_repo.query_metrics(query).iter_runs():
        for metric in run_metrics_collection:
            params = metric.run[...]
            steps, metric_values = metric.values.sparse_numpy()
            seen.append((metric.run.hash, params, steps.tolist(), metric_values))

    assert sorted(hash_ for hash_, *_ in seen) == sorted(
        run.hash for run in tracked for _ in range(2)
    )
    for _hash, params, steps, values in seen:
        assert params == {"hparams": {"lr": 0.01, "batch_size": 32}}
        assert steps in (list(range(30)), [0, 10, 20])
        assert type(values) is np.ndarray and len(values) == len(steps)


def test_metric_columns_answer_aims_array_view_calls(server, token, quiet):
    tracked, _before, _after = _tracked_run(server, token, quiet)
    run = Run(tracked.hash, server=server.url, token=token, read_only=True)
    val = run.get_metric("loss", {"subset": "val"})

    assert val.values.sparse_list()[0] == [0, 10, 20]
    assert val.values.indices_list() == [0, 10, 20]
    assert val.values.last() == (20, 0.2)
    assert val.values.first_value() == 0.0 and val.values.first_idx() == 0
    assert val.epochs.values_list()[0] != val.epochs.values_list()[0]  # NaN
    assert val.timestamps.last_idx() == 20
    doubled = val.values * 2
    assert doubled.indices_list() == [0, 1, 2]  # a derived array: positions
    assert float(np.nansum(val.values)) == pytest.approx(0.2)


def test_sequence_infos_and_logs_of_a_run(server, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    run.track(1.0, name="loss", context={"subset": "train"})
    run.track(Image(PILImage.new("RGB", (2, 2))), name="samples")
    run.log_lines(["epoch 1", "epoch 2"])
    run.log_warning("loss is flat")
    run.close(wait=True)
    read_only = Run(run.hash, server=server.url, token=token, read_only=True)

    floats = list(read_only.iter_sequence_info_by_type(("float", "int")))
    images = list(read_only.iter_sequence_info_by_type("aim.image"))
    everything = list(read_only.iter_sequence_info_by_type("*"))
    overview = read_only.collect_sequence_info(("metric", "images"))
    logs = read_only.get_terminal_logs()
    records = read_only.get_log_records()

    assert [(name, context) for name, context, _ in floats] == [
        ("loss", {"subset": "train"})
    ]
    assert [name for name, _context, _run in images] == ["samples"]
    assert len(everything) == 2 and all(item is read_only for *_, item in everything)
    assert overview["metric"][0]["name"] == "loss"
    assert overview["metric"][0]["values"]["last"] == 1.0
    assert overview["images"][0]["values"]["count"] == 1
    assert "values" not in read_only.collect_sequence_info("metric", True)["metric"][0]
    assert logs.values_list()[:2] == ["epoch 1", "epoch 2"]
    assert len(logs) == 3
    assert [(line.level, line.text) for line in records] == [
        ("warning", "loss is flat")
    ]
    with pytest.raises(ValueError, match="not a valid Sequence"):
        read_only.collect_sequence_info("videos")


def test_nan_and_infinities_read_back_as_tracked(server, token, quiet):
    tracked = [math.inf, -math.inf, math.nan, 1.0]
    run = Run(server=server.url, token=token, **quiet)
    for value in tracked:
        run.track(value, name="blowup")
    run.close(wait=True)

    metric = Run(run.hash, server=server.url, token=token, read_only=True).get_metric(
        "blowup"
    )

    assert np.array_equal(metric.values, tracked, equal_nan=True)
