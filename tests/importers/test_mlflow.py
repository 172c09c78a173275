import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
import requests

from aimsite.importers.base import source_hash
from tests.helpers.optional import import_or_skip
from tests.helpers.servers import free_port
from tests.importers.sources import build_mlflow_store

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The same store written twice: to SQLite and to an mlruns folder."""
    import_or_skip("mlflow")
    root = tmp_path_factory.mktemp("mlflow")
    previous = os.environ.get("MLFLOW_ALLOW_FILE_STORE")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    cwd = os.getcwd()
    built = {}
    try:
        for kind in ("sqlite", "file"):
            folder = root / kind
            folder.mkdir()
            os.chdir(folder)  # artifacts go below cwd
            uri = (
                f"sqlite:///{folder / 'mlflow.db'}"
                if kind == "sqlite"
                else str(folder / "mlruns")
            )
            built[kind] = (uri, build_mlflow_store(uri))
    finally:
        os.chdir(cwd)
        if previous is None:
            os.environ.pop("MLFLOW_ALLOW_FILE_STORE", None)
        else:
            os.environ["MLFLOW_ALLOW_FILE_STORE"] = previous
    return built


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.mark.parametrize("kind", ["sqlite", "file"])
def test_an_mlflow_store_comes_over_whole(stores, kind, run_import, api_reader):
    location, written = stores[kind]
    database = Path(location.removeprefix("sqlite:///"))
    before = (
        hashlib.sha256(database.read_bytes()).hexdigest() if kind == "sqlite" else None
    )
    done = run_import("mlflow", location)
    assert done.returncode == 0, done.stderr
    assert (
        "Imported 3 runs, 3 series, 64 points, 3 objects, 0 log lines, 1 artifacts."
        in done.stdout
    )
    if before:
        assert hashlib.sha256(database.read_bytes()).hexdigest() == before

    run = api_reader.run(source_hash("mlflow", written["finished"]))
    assert run["name"] == "mlf-finished"
    assert run["description"] == "a **note**"
    assert run["experiment"] == "mlf-exp"
    assert run["status"] == "finished" and run["is_archived"] is False
    assert _when(run["created_at"]) == written["start"] / 1000
    assert _when(run["finished_at"]) == (written["start"] + 60_000) / 1000
    assert run["params"]["hparams"] == {
        "lr": 0.001,
        "batch_size": 32,
        "optimizer": "{'name': 'adam'}",
        "use_bn": True,
    }
    assert run["params"]["tags"] == {"owner": "me"}
    assert run["params"]["mlflow"]["source.name"] == "train.py"
    assert [tag["name"] for tag in run["tags"]] == ["owner=me"]
    assert run["meta"]["mlflow"]["run_id"] == written["finished"]
    experiment = next(
        e for e in api_reader.get("experiments/")["results"] if e["name"] == "mlf-exp"
    )
    assert experiment["description"] == "MLflow experiment"

    series = api_reader.series(run["hash"])
    assert set(series) == {("loss", ()), ("val/acc", ())}
    loss = series[("loss", ())]["points"]
    assert loss["steps"] == [step for step, _, _ in written["loss"]]
    assert loss["values"] == pytest.approx([value for _, value, _ in written["loss"]])
    assert loss["times"] == pytest.approx([ms / 1000 for _, _, ms in written["loss"]])
    assert loss["epochs"] == [None] * 60
    assert series[("val/acc", ())]["points"]["steps"] == [0, 20, 40]

    objects = api_reader.objects(run["hash"])
    (stepped,) = objects[("image", "samples", ())]
    assert (stepped["step"], stepped["index"], stepped["format"]) == (3, 0, "png")
    assert (stepped["width"], stepped["height"]) == (6, 8)
    (static,) = objects[("image", "plots/confusion.png", ())]
    assert api_reader.file(static["url"]).startswith(b"\x89PNG")
    (figure,) = objects[("figure", "figures/bars.html", ())]
    assert figure["data"]["layout"]["title"]["text"] == "bars"
    assert figure["data"]["data"][0]["y"] == [2, 5]

    # Files that are not images or figures became run artifacts, as
    # run.log_artifact() would have stored them.
    (artifact,) = api_reader.get(f"runs/{run['hash']}/artifacts")
    assert (artifact["name"], artifact["size"]) == ("notes/readme.txt", 10)
    assert api_reader.file(artifact["url"]) == b"some notes"

    failed = api_reader.run(source_hash("mlflow", written["failed"]))
    assert failed["status"] == "failed" and failed["is_archived"] is False
    deleted = api_reader.run(source_hash("mlflow", written["deleted"]))
    assert deleted["is_archived"] is True
    assert deleted["params"]["hparams"] == {"lr": 0.1}

    # Typed params answer number comparisons; the deleted run is archived, so hidden.
    found = api_reader.get("runs/", q="run.hparams.lr > 0.0005")["results"]
    assert [found_run["hash"] for found_run in found] == [run["hash"]]

    again = run_import("mlflow", location)
    assert again.returncode == 0, again.stderr
    assert "Nothing new: all 3 runs of this source were imported before" in again.stdout


def test_a_dry_run_writes_nothing(stores, run_import, api_reader):
    location, _ = stores["sqlite"]
    done = run_import("mlflow", location, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "Dry run, nothing was written. Would import 3 runs" in done.stdout
    assert api_reader.runs() == []


def test_a_broken_run_is_reported_and_the_rest_imports(
    stores, run_import, api_reader, tmp_path
):
    import shutil

    location, written = stores["file"]
    broken = tmp_path / "mlruns"
    shutil.copytree(location, broken)
    (metric_file,) = broken.glob(f"*/{written['failed']}/metrics/loss")
    metric_file.write_text("this is not a metric line\n")
    done = run_import("mlflow", broken)
    assert done.returncode == 0, done.stderr
    failures = done.stdout.split("Failed (1 runs, nothing of them was written):")[1]
    assert (
        f"mlflow run {written['failed']}: MlflowException: Metric 'loss' is malformed"
        in failures
    )
    hashes = {run["hash"] for run in api_reader.runs()}
    assert hashes == {
        source_hash("mlflow", written["finished"]),
        source_hash("mlflow", written["deleted"]),
    }


def test_a_missing_store_is_a_clear_error(run_import, tmp_path):
    import_or_skip("mlflow")
    done = run_import("mlflow", f"sqlite:///{tmp_path / 'none.db'}")
    assert done.returncode != 0
    assert "no such SQLite database" in done.stderr
    assert not (tmp_path / "none.db").exists()
    done = run_import("mlflow", str(tmp_path))
    assert done.returncode != 0
    assert "not an MLflow file store" in done.stderr


@pytest.fixture
def tracking_server(tmp_path):
    """A real `mlflow server` on a free local port: SQLite backend, artifacts
    served (proxied) from a folder, both in tmp; stopped after the test."""
    import_or_skip("mlflow")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "artifacts"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts it slowly
        while True:
            assert process.poll() is None, "mlflow server exited"
            try:
                if requests.get(f"{url}/health", timeout=5).ok:
                    break
            except requests.RequestException:  # not listening yet, or busy
                pass
            assert time.monotonic() < deadline, "mlflow server did not start"
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def test_a_tracking_server_comes_over(tracking_server, run_import, api_reader):
    written = build_mlflow_store(tracking_server)
    done = run_import("mlflow", tracking_server)
    assert done.returncode == 0, done.stderr
    assert (
        "Imported 3 runs, 3 series, 64 points, 3 objects, 0 log lines, 1 artifacts."
        in done.stdout
    )
    run = api_reader.run(source_hash("mlflow", written["finished"]))
    assert (run["name"], run["experiment"]) == ("mlf-finished", "mlf-exp")
    loss = api_reader.series(run["hash"])[("loss", ())]["points"]
    assert loss["steps"] == list(range(60))
    objects = api_reader.objects(run["hash"])
    (image,) = objects[("image", "plots/confusion.png", ())]
    assert api_reader.file(image["url"]).startswith(b"\x89PNG")
    (artifact,) = api_reader.get(f"runs/{run['hash']}/artifacts")
    assert api_reader.file(artifact["url"]) == b"some notes"
    assert api_reader.run(source_hash("mlflow", written["deleted"]))["is_archived"]

    again = run_import("mlflow", tracking_server)
    assert again.returncode == 0, again.stderr
    assert "Nothing new: all 3 runs of this source were imported before" in again.stdout
