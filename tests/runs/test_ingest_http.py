import math

import pytest
import requests

from runs.models import LogLine, MetricChunk, MetricSeries, Run
from tests.factories import make_token, make_user, new_hash

pytestmark = pytest.mark.django_db(transaction=True)


def _post(server, token, path, body, raw=None):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if raw is not None:
        return requests.post(
            f"{server.url}{path}", data=raw, headers=headers, timeout=10
        )
    return requests.post(f"{server.url}{path}", json=body, headers=headers, timeout=10)


def test_ingest_round_trip_over_real_http(server):
    owner = make_user()
    token = make_token(owner)
    run_hash = new_hash()
    created = _post(
        server,
        token,
        "/api/v1/runs/",
        {"hash": run_hash, "experiment": "mnist", "params": {"hparams": {"lr": 0.001}}},
    )
    assert created.status_code == 201
    again = _post(
        server, token, "/api/v1/runs/", {"hash": run_hash, "experiment": "mnist"}
    )
    assert again.status_code == 200
    body = (
        '{"seq": 17, "params": {"hparams": {"batch_size": 64}},'
        ' "metrics": [{"name": "loss", "context": {"subset": "train"}, "steps": [0, 1, 2],'
        ' "values": [0.9, 0.7, NaN], "epochs": [0, 0, 0], "times": [1767225600.0, 1767225601.0, 1767225602.0]}],'
        ' "logs": [{"line": 120, "text": "epoch 1 done", "time": 1767225600.5}], "status": "finished"}'
    )
    answer = _post(server, token, f"/api/v1/runs/{run_hash}/track", None, raw=body)
    assert answer.json() == {"seq": 17, "applied": True}
    replay = _post(server, token, f"/api/v1/runs/{run_hash}/track", None, raw=body)
    assert replay.json() == {"seq": 17, "applied": False}

    run = Run.objects.get(hash=run_hash)
    assert run.params == {"hparams": {"lr": 0.001, "batch_size": 64}}
    assert run.status == "finished" and run.finished_at is not None
    series = MetricSeries.objects.get(run=run)
    assert series.count == 3 and series.min == 0.7 and series.max == 0.9
    assert MetricChunk.objects.filter(series=series).count() == 1
    assert LogLine.objects.filter(run=run).count() == 1

    headers = {"Authorization": f"Bearer {token}"}
    listing = requests.get(
        f"{server.url}/api/v1/runs/{run_hash}/metrics/", headers=headers, timeout=10
    ).json()
    assert listing[0]["name"] == "loss" and listing[0]["context"] == {"subset": "train"}
    points = requests.get(
        f"{server.url}/api/v1/runs/{run_hash}/metrics/{listing[0]['id']}/points?max_points=1000",
        headers=headers,
        timeout=10,
    ).json()
    assert points["steps"] == [0, 1, 2]
    assert points["values"][:2] == [0.9, 0.7] and points["values"][2] is None
    assert points["epochs"] == [0, 0, 0]
    assert math.isclose(points["times"][1], 1767225601.0, abs_tol=1e-3)


@pytest.mark.parametrize("seq", ["absent", None])
def test_a_batch_without_seq_is_refused_over_real_http(server, seq):
    owner = make_user()
    token = make_token(owner)
    run_hash = new_hash()
    batch = {"logs": [{"line": 0, "text": "replayable"}], "status": "finished"}
    if seq != "absent":
        batch["seq"] = seq
    created = _post(server, token, "/api/v1/runs/", {"hash": run_hash, "batch": batch})
    assert created.status_code == 400
    assert created.json() == {
        "hash": run_hash,
        "error": "seq is required: an integer per run, used to drop replays",
        "field": "seq",
    }
    assert not Run.objects.filter(hash=run_hash).exists()

    assert _post(server, token, "/api/v1/runs/", {"hash": run_hash}).status_code == 201
    for _attempt in range(2):  # a client's retry is refused the same way
        answer = _post(server, token, f"/api/v1/runs/{run_hash}/track", batch)
        assert answer.status_code == 400
        assert answer.json()["error"].startswith("seq is required")
    run = Run.objects.get(hash=run_hash)
    assert run.status == "active"
    assert not LogLine.objects.filter(run=run).exists()
    assert not run.applied_batches.exists()
