"""The rules the schema states, enforced: JSON bodies, no unknown fields, strict
query parameters, JSON numbers as numbers, a JSON 404 for a wrong path."""

import json

import pytest

from experiments.models import Experiment
from runs.models import MetricSeries, Run
from tests.factories import make_experiment, make_run, make_tag, new_hash

pytestmark = pytest.mark.django_db


def test_an_unknown_api_path_is_a_json_404(api):
    answer = api.get("/api/v1/runs/abc/metrics/not-a-number/points")
    assert answer.status_code == 404
    assert answer.json()["error"] == "No API endpoint at this path."


def test_an_unknown_api_path_still_needs_a_signed_in_user(client):
    assert client.get("/api/v1/nothing/here").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/runs/", "/api/v1/experiments/"])
def test_a_body_that_is_not_json_is_a_415(api, path):
    answer = api.post(
        path, data="name=x", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 415
    assert "application/x-www-form-urlencoded" in answer.json()["error"]


def test_unknown_fields_are_refused_and_nothing_changes(api):
    run = make_run(api.user, name="before")
    answer = api.patch(
        f"/api/v1/runs/{run.hash}/", {"name": "after", "colour": "red"}, format="json"
    )
    assert (
        answer.status_code == 400 and "unknown fields: colour" in answer.json()["error"]
    )
    run.refresh_from_db()
    assert run.name == "before"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"is_archived": "maybe"}, "is_archived"),
        ({"is_archived": ""}, "is_archived"),
        ({"ordering": "nonsense"}, "ordering"),
        ({"ordering": "name,"}, "ordering"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"status": "sleeping"}, "status"),
    ],
)
def test_a_query_parameter_the_schema_refuses_is_a_400(api, query, field):
    make_run(api.user)
    answer = api.get("/api/v1/runs/", query)
    assert answer.status_code == 400
    assert answer.json()["field"] == field


def test_valid_ordering_and_booleans_are_taken(api):
    make_run(api.user, name="b")
    make_run(api.user, name="a")
    answer = api.get(
        "/api/v1/runs/", {"ordering": "name,-created_at", "is_archived": "false"}
    )
    assert [run["name"] for run in answer.json()["results"]] == ["a", "b"]


@pytest.mark.parametrize("value", ["", "1.5", "+3", "1_000", " 7"])
def test_an_integer_parameter_takes_digits_only(api, value):
    run = make_run(api.user, logs=["x"])
    answer = api.get(f"/api/v1/runs/{run.hash}/logs/", {"limit": value})
    assert answer.status_code == 400 and answer.json()["field"] == "limit"


def test_an_unknown_object_kind_is_a_400_not_an_empty_list(api):
    run = make_run(api.user)
    answer = api.get(f"/api/v1/runs/{run.hash}/objects", {"kind": "video"})
    assert answer.status_code == 400 and answer.json()["field"] == "kind"


def test_integral_floats_are_integers_as_json_says(api):
    run = make_run(api.user)
    tag = make_tag("best", owner=api.user)
    batch = {
        "seq": 3.0,
        "metrics": [{"name": "loss", "steps": [0.0, 1], "values": [1, 2]}],
    }
    answer = api.post(
        f"/api/v1/runs/{run.hash}/track",
        json.dumps(batch),
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json() == {"seq": 3, "applied": True}
    assert MetricSeries.objects.get(run=run, name="loss").last_step == 1
    tagged = api.post(
        f"/api/v1/runs/{run.hash}/tags/", {"ids": [float(tag.id)]}, format="json"
    )
    assert tagged.status_code == 200 and [t["name"] for t in tagged.json()] == ["best"]


def test_bad_params_are_refused_even_for_a_run_that_exists(api):
    run = make_run(api.user)
    answer = api.post(
        "/api/v1/runs/",
        {"hash": run.hash, "params": {"lr": 10**400}},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["field"] == "params.lr"


def test_a_taken_experiment_name_is_a_409_on_rename_too(api):
    make_experiment("taken", owner=api.user)
    mine = make_experiment("mine", owner=api.user)
    answer = api.patch(
        f"/api/v1/experiments/{mine.id}/", {"name": "taken"}, format="json"
    )
    assert answer.status_code == 409
    assert Experiment.objects.get(pk=mine.pk).name == "mine"


def test_a_bulk_item_that_is_not_a_run_gets_its_own_400(api):
    good = new_hash()
    answer = api.post(
        "/api/v1/runs/", [{"hash": good}, 7, {"hash": "x"}], format="json"
    )
    assert answer.status_code == 200
    assert [item["code"] for item in answer.json()] == [201, 400, 400]
    assert Run.objects.filter(hash=good).exists()


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 1e30])
def test_params_hold_integers_of_64_bits_only(api, number):
    answer = api.post(
        "/api/v1/runs/", {"hash": new_hash(), "params": {"n": number}}, format="json"
    )
    assert answer.status_code == 400 and answer.json()["field"] == "params.n"


@pytest.mark.parametrize("number", [2**63 - 1, -(2**63), 0.5, 3.0, 1.5e-300])
def test_params_take_64_bit_integers_and_other_finite_numbers(api, number):
    answer = api.post(
        "/api/v1/runs/", {"hash": new_hash(), "params": {"n": number}}, format="json"
    )
    assert answer.status_code == 201


@pytest.mark.parametrize("value", ["AAA", ""])
@pytest.mark.parametrize("path", ["/api/v1/metrics/search/", "/api/v1/runs/"])
def test_an_unknown_format_is_a_400_naming_the_formats(api, path, value):
    answer = api.get(path, {"format": value})
    assert answer.status_code == 400
    assert (
        "unknown format" in answer.json()["error"] and "json" in answer.json()["error"]
    )


def test_a_known_format_is_served(api):
    make_run(api.user, name="one")
    answer = api.get("/api/v1/metrics/search/", {"format": "npz", "q": ""})
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/x-npz"
    assert api.get("/api/v1/runs/", {"format": "json"}).status_code == 200
