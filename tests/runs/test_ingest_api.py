import json
import math

import numpy as np
import pytest
from django.test import override_settings

from runs.metrics import CHUNK_SIZE
from runs.models import AppliedBatch, LogLine, MetricChunk, MetricSeries, Run
from tests.factories import make_run, make_user, new_hash
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db


def _track(api, run, body, raw: str | None = None):
    data = raw if raw is not None else json.dumps(body)
    return api.post(
        f"/api/v1/runs/{run.hash}/track", data=data, content_type="application/json"
    )


def _nothing_written(run):
    assert MetricSeries.objects.filter(run=run).count() == 0
    assert LogLine.objects.filter(run=run).count() == 0
    assert AppliedBatch.objects.filter(run=run).exclude(seq=0).count() == 0


def test_create_run_is_idempotent_by_hash(api):
    run_hash = new_hash()
    first = api.post(
        "/api/v1/runs/", {"hash": run_hash, "experiment": "mnist"}, format="json"
    )
    second = api.post(
        "/api/v1/runs/", {"hash": run_hash, "experiment": "mnist"}, format="json"
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert Run.objects.filter(hash=run_hash).count() == 1
    assert first.json()["experiment"] == "mnist"


def test_create_run_defaults_to_the_default_experiment(api):
    answer = api.post("/api/v1/runs/", {"hash": new_hash()}, format="json")
    assert answer.json()["experiment"] == "default"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"hash": "xyz"}, "hash"),
        ({"hash": "0123456789ABCDEF01234567"}, "hash"),
        ({"hash": new_hash(), "colour": "red"}, "unknown fields"),
        ({"hash": new_hash(), "params": {"lr": float("inf")}}, "params"),
        ({"hash": new_hash(), "experiment": "x" * 201}, "experiment"),
    ],
)
def test_create_run_rejects_bad_input(api, body, needle):
    answer = api.post(
        "/api/v1/runs/", data=json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 400
    assert needle in json.dumps(answer.json())
    assert Run.objects.count() == 0


def test_create_run_refuses_a_hash_of_another_user(api, other_user):
    theirs = make_run(other_user)
    answer = api.post("/api/v1/runs/", {"hash": theirs.hash}, format="json")
    assert answer.status_code == 403


def test_track_stores_non_finite_values(api):
    run = make_run(api.user)
    raw = '{"seq": 1, "metrics": [{"name": "loss", "steps": [0, 1, 2, 3], "values": [1.5, NaN, Infinity, -Infinity]}]}'
    assert _track(api, run, None, raw).status_code == 200
    series = MetricSeries.objects.get(run=run)
    points = api.get(f"/api/v1/runs/{run.hash}/metrics/{series.id}/points").json()
    assert points["values"] == [1.5, None, None, None]
    from runs.points import read_points

    stored = read_points(series).values
    assert (
        stored[0] == 1.5
        and math.isnan(stored[1])
        and stored[2] == math.inf
        and stored[3] == -math.inf
    )
    assert series.min == -math.inf and series.max == math.inf


def test_track_accepts_null_as_missing_value(api):
    run = make_run(api.user)
    assert (
        _track(
            api,
            run,
            {
                "seq": 1,
                "metrics": [{"name": "acc", "steps": [0, 1], "values": [None, 0.5]}],
            },
        ).status_code
        == 200
    )
    assert MetricSeries.objects.get(run=run).last == 0.5


def test_replayed_batch_changes_nothing(api):
    run = make_run(api.user)
    body = {
        "seq": 5,
        "params": {"a": 1},
        "metrics": [{"name": "loss", "steps": [0], "values": [1.0]}],
        "logs": [{"line": 0, "text": "x"}],
    }
    assert _track(api, run, body).json() == {"seq": 5, "applied": True}
    assert _track(api, run, body).json() == {"seq": 5, "applied": False}
    assert MetricSeries.objects.get(run=run).count == 1
    assert LogLine.objects.filter(run=run).count() == 1


def test_points_fill_chunks_and_read_back_in_order(api):
    run = make_run(api.user)
    total = CHUNK_SIZE * 2 + 100
    values = np.random.default_rng(1).random(total)
    half = total // 2
    for seq, (start, stop) in enumerate([(0, half), (half, total)], start=1):
        body = {
            "seq": seq,
            "metrics": [
                {
                    "name": "loss",
                    "steps": list(range(start, stop)),
                    "values": values[start:stop].tolist(),
                }
            ],
        }
        assert _track(api, run, body).status_code == 200
    series = MetricSeries.objects.get(run=run)
    assert series.count == total
    assert MetricChunk.objects.filter(series=series).count() == 3
    points = api.get(f"/api/v1/runs/{run.hash}/metrics/{series.id}/points").json()
    assert points["steps"] == list(range(total))
    assert np.allclose(points["values"], values)
    small = api.get(
        f"/api/v1/runs/{run.hash}/metrics/{series.id}/points?max_points=100"
    ).json()
    assert len(small["steps"]) <= 100
    assert max(small["values"]) == pytest.approx(values.max())
    assert min(small["values"]) == pytest.approx(values.min())


def test_params_are_deep_merged(api):
    run = make_run(api.user, params={"hparams": {"lr": 0.1, "opt": {"name": "sgd"}}})
    _track(
        api,
        run,
        {
            "seq": 1,
            "params": {"hparams": {"opt": {"momentum": 0.9}}, "dataset": "mnist"},
        },
    )
    run.refresh_from_db()
    assert run.params == {
        "hparams": {"lr": 0.1, "opt": {"name": "sgd", "momentum": 0.9}},
        "dataset": "mnist",
    }


def test_status_finished_sets_finished_at(api):
    run = make_run(api.user)
    _track(api, run, {"seq": 1, "status": "finished"})
    run.refresh_from_db()
    assert run.status == "finished" and run.finished_at is not None


BAD_BATCHES = [
    ("[1, 2]", "JSON object"),
    ('{"status": "finished"}', "seq is required: an integer per run"),
    ('{"seq": null, "status": "finished"}', "seq is required: an integer per run"),
    ('{"seq": 1, "metrics": [', "Malformed JSON"),
    ('{"seq": -1}', "seq"),
    ('{"seq": "1"}', "seq"),
    ('{"seq": 1, "bogus": 1}', "unknown fields"),
    ('{"seq": 1, "metrics": {"name": "x"}}', "metrics must be a list"),
    ('{"seq": 1, "metrics": [{"name": "", "steps": [0], "values": [1]}]}', "name"),
    (
        '{"seq": 1, "metrics": [{"name": "a\\u0000b", "steps": [0], "values": [1]}]}',
        "control",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "context": [1], "steps": [0], "values": [1]}]}',
        "context",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "context": {"a": [1]}, "steps": [0], "values": [1]}]}',
        "context",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0, 1], "values": [1]}]}',
        "values has 1 items",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0.5], "values": [1]}]}',
        "integers",
    ),
    ('{"seq": 1, "metrics": [{"name": "x", "steps": [-1], "values": [1]}]}', "between"),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": ["1"]}]}',
        "numbers",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [true]}]}',
        "numbers",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [1], "extra": 1}]}',
        "unknown fields",
    ),
    ('{"seq": 1, "metrics": [{"name": "x", "steps": [], "values": []}]}', "empty"),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [1]}], "logs": [{"line": "a", "text": "x"}]}',
        "line",
    ),
    (
        '{"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [1]}], "logs": [{"line": 1, "text": 5}]}',
        "text",
    ),
    ('{"seq": 1, "status": "done"}', "status"),
    ('{"seq": 1, "params": [1]}', "params"),
]


@pytest.mark.parametrize(("raw", "needle"), BAD_BATCHES)
def test_track_rejects_bad_batches_and_writes_nothing(api, raw, needle):
    run = make_run(api.user)
    before = (run.params, run.status)
    answer = _track(api, run, None, raw)
    assert answer.status_code == 400, answer.content
    assert needle in answer.json()["error"]
    _nothing_written(run)
    run.refresh_from_db()
    assert (run.params, run.status) == before


def test_a_bad_series_after_good_ones_writes_nothing(api):
    run = make_run(api.user)
    body = {
        "seq": 1,
        "params": {"a": 1},
        "metrics": [
            {"name": "good", "steps": [0], "values": [1.0]},
            {"name": "bad", "steps": [0], "values": ["x"]},
        ],
    }
    assert _track(api, run, body).status_code == 400
    _nothing_written(run)
    run.refresh_from_db()
    assert run.params == {}


@override_settings(AIMSITE_MAX_POINTS_PER_BATCH=10)
def test_too_many_points_is_413(api):
    run = make_run(api.user)
    answer = _track(
        api,
        run,
        {
            "seq": 1,
            "metrics": [{"name": "x", "steps": list(range(11)), "values": [0.0] * 11}],
        },
    )
    assert answer.status_code == 413
    assert "at most 10" in answer.json()["error"]
    _nothing_written(run)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_413(api):
    run = make_run(api.user)
    answer = _track(api, run, {"seq": 1, "logs": [{"line": 0, "text": "x" * 2000}]})
    assert answer.status_code == 413
    assert "too large" in answer.json()["error"]
    _nothing_written(run)


def test_track_on_another_users_run_is_forbidden(api, other_user):
    theirs = make_run(other_user)
    answer = _track(
        api,
        theirs,
        {"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [1.0]}]},
    )
    assert answer.status_code == 403
    _nothing_written(theirs)


def test_staff_may_track_into_any_run(staff_user, other_user):
    theirs = make_run(other_user)
    answer = _track(
        api_for(staff_user),
        theirs,
        {"seq": 1, "metrics": [{"name": "x", "steps": [0], "values": [1.0]}]},
    )
    assert answer.status_code == 200


def test_track_on_unknown_run_is_404(api):
    answer = api.post(
        f"/api/v1/runs/{new_hash()}/track", data="{}", content_type="application/json"
    )
    assert answer.status_code == 404
    assert answer.json()["error"]


def test_logs_page_forwards_and_backwards(api):
    run = make_run(api.user, logs=[f"line {i}" for i in range(30)])
    tail = api.get(f"/api/v1/runs/{run.hash}/logs?limit=10").json()
    assert [row["line"] for row in tail["lines"]] == list(range(20, 30)) and tail[
        "total"
    ] == 30
    after = api.get(f"/api/v1/runs/{run.hash}/logs?after=25").json()
    assert [row["line"] for row in after["lines"]] == [26, 27, 28, 29]
    before = api.get(f"/api/v1/runs/{run.hash}/logs?before=5&limit=3").json()
    assert [row["line"] for row in before["lines"]] == [2, 3, 4]
    assert api.get(f"/api/v1/runs/{run.hash}/logs?limit=abc").status_code == 400


def test_points_rejects_bad_parameters(api):
    run = make_run(api.user, metrics={"loss": [1.0, 2.0]})
    series = MetricSeries.objects.get(run=run)
    base = f"/api/v1/runs/{run.hash}/metrics/{series.id}/points"
    assert api.get(f"{base}?max_points=lots").status_code == 400
    assert api.get(f"{base}?max_points=-5").status_code == 400
    assert api.get(f"/api/v1/runs/{run.hash}/metrics/999999/points").status_code == 404
    assert api.get(f"{base}?after_step=0").json()["steps"] == [1]


def test_create_and_track_attach_and_detach_tags_by_name(api):
    run_hash = new_hash()
    created = api.post(
        "/api/v1/runs/", {"hash": run_hash, "tags": ["baseline", "fast"]}, format="json"
    )
    assert created.status_code == 201
    assert sorted(tag["name"] for tag in created.json()["tags"]) == ["baseline", "fast"]
    run = Run.objects.get(hash=run_hash)
    answer = _track(
        api, run, {"seq": 1, "tags": {"attach": ["best"], "detach": ["fast"]}}
    )
    assert answer.status_code == 200
    assert sorted(run.tags.values_list("name", flat=True)) == ["baseline", "best"]


@pytest.mark.parametrize(
    "tags",
    [["x"], {"attach": "x"}, {"attach": ["x" * 51]}, {"attach": [""]}, {"add": ["x"]}],
)
def test_bad_tags_in_a_batch_write_nothing(api, tags):
    from tags.models import Tag

    run = make_run(api.user)
    answer = _track(api, run, {"seq": 1, "params": {"a": 1}, "tags": tags})
    assert answer.status_code == 400 and "tags" in answer.json()["error"]
    run.refresh_from_db()
    assert run.params == {} and Tag.objects.count() == 0


def test_create_may_carry_the_first_batch(api):
    run_hash = new_hash()
    body = {
        "hash": run_hash,
        "params": {"lr": 0.1},
        "batch": {
            "seq": 1,
            "metrics": [{"name": "loss", "steps": [0, 1], "values": [0.5, 0.25]}],
            "status": "finished",
        },
    }
    first = api.post("/api/v1/runs/", body, format="json")
    assert first.status_code == 201 and first.json()["batch"] == {
        "seq": 1,
        "applied": True,
    }
    assert first.json()["status"] == "finished"
    again = api.post("/api/v1/runs/", body, format="json")
    assert again.status_code == 200 and again.json()["batch"] == {
        "seq": 1,
        "applied": False,
    }
    assert MetricSeries.objects.get(run__hash=run_hash).count == 2


def test_create_with_a_bad_batch_writes_nothing(api):
    run_hash = new_hash()
    body = {
        "hash": run_hash,
        "batch": {
            "seq": 1,
            "metrics": [{"name": "loss", "steps": [0], "values": ["x"]}],
        },
    }
    answer = api.post("/api/v1/runs/", body, format="json")
    assert answer.status_code == 400 and "numbers" in answer.json()["error"]
    assert not Run.objects.filter(hash=run_hash).exists()


def test_create_answers_minimally_when_asked(api):
    answer = api.post(
        "/api/v1/runs/",
        {"hash": new_hash()},
        format="json",
        HTTP_PREFER="return=minimal",
    )
    assert answer.status_code == 201 and set(answer.json()) == {"hash"}


def _short_run(run_hash: str, seq: int = 1, values=(0.5,)) -> dict:
    return {
        "hash": run_hash,
        "experiment": "sweep",
        "params": {"lr": 0.1},
        "tags": ["bulk"],
        "batch": {
            "seq": seq,
            "metrics": [
                {"name": "loss", "steps": list(range(len(values))), "values": values}
            ],
            "status": "finished",
        },
    }


def test_a_list_creates_many_runs_in_one_request_with_a_result_each(api):
    hashes = [new_hash() for _ in range(3)]
    answer = api.post(
        "/api/v1/runs/",
        [_short_run(run_hash) for run_hash in hashes],
        format="json",
        HTTP_PREFER="return=minimal",
    )
    assert answer.status_code == 200
    assert answer.json() == [
        {"code": 201, "hash": run_hash, "batch": {"seq": 1, "applied": True}}
        for run_hash in hashes
    ]
    runs = Run.objects.filter(hash__in=hashes)
    assert {run.status for run in runs} == {"finished"}
    assert {tuple(run.tags.values_list("name", flat=True)) for run in runs} == {
        ("bulk",)
    }
    assert MetricSeries.objects.filter(run__in=runs, name="loss").count() == 3
    # A replay (the SDK retrying after a lost answer) changes nothing.
    again = api.post(
        "/api/v1/runs/", [_short_run(run_hash) for run_hash in hashes], format="json"
    )
    assert [item["code"] for item in again.json()] == [200, 200, 200]
    assert [item["batch"]["applied"] for item in again.json()] == [False] * 3
    assert MetricSeries.objects.get(run__hash=hashes[0]).count == 1


def test_a_refused_item_of_a_list_writes_nothing_and_the_others_apply(api):
    good, bad_batch, theirs = new_hash(), new_hash(), make_run(make_user("eve"))
    items = [
        _short_run(good),
        _short_run(bad_batch, values=["x"]),
        {"hash": "not-a-hash"},
        _short_run(theirs.hash),
        "not an object",
        {"hash": new_hash(), "colour": "blue"},
    ]
    answer = api.post("/api/v1/runs/", items, format="json")
    assert answer.status_code == 200
    results = answer.json()
    assert [item["code"] for item in results] == [201, 400, 400, 403, 400, 400]
    assert "numbers" in results[1]["error"] and results[1]["hash"] == bad_batch
    assert "hash" in results[2]["error"]
    assert "another user" in results[3]["error"]
    assert "object" in results[4]["error"]
    assert "colour" in results[5]["error"]
    assert Run.objects.filter(hash=good, status="finished").exists()
    assert not Run.objects.filter(hash=bad_batch).exists()
    assert not MetricSeries.objects.filter(run=theirs).exists()


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [([], 400, "empty"), ([{"hash": "ab" * 12}] * 101, 413, "at most 100")],
)
def test_a_list_that_is_empty_or_too_long_is_refused_whole(api, body, code, message):
    answer = api.post("/api/v1/runs/", body, format="json")
    assert answer.status_code == code and message in answer.json()["error"]
    assert not Run.objects.filter(hash="ab" * 12).exists()


def test_a_batch_extends_existing_series_and_adds_new_ones(api):
    run = make_run(api.user, metrics={"loss": [1.0, 2.0]})
    body = {
        "seq": 1,
        "metrics": [
            {"name": "loss", "steps": [2, 3], "values": [0.5, 3.0]},
            {"name": "acc", "steps": [0], "values": [0.1]},
        ],
    }
    assert _track(api, run, body).status_code == 200
    loss = MetricSeries.objects.get(run=run, name="loss")
    acc = MetricSeries.objects.get(run=run, name="acc")
    assert (
        loss.count,
        loss.first,
        loss.last,
        loss.min,
        loss.max,
        loss.chunk_count,
    ) == (4, 1.0, 3.0, 0.5, 3.0, 1)
    assert (acc.count, acc.first, acc.last, acc.chunk_count) == (1, 0.1, 0.1, 1)
    points = api.get(f"/api/v1/runs/{run.hash}/metrics/{loss.id}/points").json()
    assert points["steps"] == [0, 1, 2, 3]


def test_text_the_database_cannot_store_is_refused_not_a_server_error(api):
    """PostgreSQL refuses NUL characters in text and JSON, so both databases do."""
    run_hash = new_hash()
    created = api.post(
        "/api/v1/runs/", {"hash": run_hash, "params": {"note": "a\x00b"}}, format="json"
    )
    run = make_run(api.user)
    tracked = _track(api, run, {"seq": 1, "params": {"note": "a\x00b"}})
    for answer in (created, tracked):
        assert answer.status_code == 400
        assert (
            answer.json()["error"] == "params.note contains a NUL character (\\u0000)"
        )
    assert not Run.objects.filter(hash=run_hash).exists()
    _nothing_written(run)
