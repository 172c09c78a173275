from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from experiments.markdown import MAX_NOTES_LENGTH
from experiments.models import Experiment
from runs import ingest
from tests.factories import make_experiment, make_run, new_hash
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db

LIST = "/api/v1/experiments/"


def detail(experiment, suffix: str = "") -> str:
    return f"{LIST}{experiment.pk}/{suffix}"


def test_anonymous_gets_nothing(db):
    experiment = make_experiment("x")
    client = APIClient()
    assert client.get(LIST).status_code in (401, 403)
    assert client.get(detail(experiment, "stats/")).status_code in (401, 403)


def test_list_has_run_counts_by_status_and_last_activity(
    api, user, django_assert_max_num_queries
):
    make_experiment("mnist", owner=user)
    make_run(user, experiment="mnist")
    make_run(user, experiment="mnist", status="finished")
    make_run(user, experiment="mnist", status="failed", is_archived=True)
    for index in range(5):
        make_run(user, experiment=f"other-{index}")
    # auth + count + page, whatever the number of experiments and runs
    with django_assert_max_num_queries(5):
        response = api.get(LIST)
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.json()["results"]}
    assert rows["mnist"]["run_counts"] == {
        "total": 3,
        "active": 1,
        "finished": 1,
        "failed": 0,
        "archived": 1,
    }
    assert rows["mnist"]["last_activity"] is not None
    assert rows["mnist"]["owner"] == user.username


def test_list_searches_name_and_description(api, user):
    make_experiment("bert-base", description="language")
    make_experiment("resnet", description="vision for BERT fans")
    make_experiment("yolo")
    names = {row["name"] for row in api.get(LIST, {"search": "bert"}).json()["results"]}
    assert names == {"bert-base", "resnet"}


def test_create_sets_owner(api, user):
    response = api.post(LIST, {"name": "  fresh ", "description": "d"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "fresh"
    assert Experiment.objects.get(name="fresh").owner == user


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "200"),
        ({"name": "ok", "colour": "red"}, "unknown fields: colour"),
        ({"name": 5.5}, "name: Not a valid string"),
        ({"name": "ok", "description": ["x"]}, "description"),
        ({"name": "ok", "description": "d" * 2001}, "2000"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(api, body, fragment):
    make_experiment("taken")
    response = api.post(LIST, body, format="json")
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    assert Experiment.objects.count() == 1


def test_create_refuses_a_taken_name_with_409_and_writes_nothing(api):
    make_experiment("taken")
    response = api.post(LIST, {"name": "taken"}, format="json")
    assert response.status_code == 409
    assert "already exists" in response.json()["error"]
    assert Experiment.objects.count() == 1


def test_create_rejects_malformed_json(api):
    response = api.post(LIST, data="{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    response = api.post(LIST, data="[1, 2]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]


def test_patch_by_owner_staff_and_others(api, user, other_user, staff_user):
    experiment = make_experiment("mine", owner=user)
    assert (
        api.patch(detail(experiment), {"description": "new"}, format="json").status_code
        == 200
    )
    response = api_for(other_user).patch(
        detail(experiment), {"name": "stolen"}, format="json"
    )
    assert response.status_code == 403 and "owner" in response.json()["error"]
    assert (
        api_for(staff_user)
        .patch(detail(experiment), {"is_archived": True}, format="json")
        .status_code
        == 200
    )
    experiment.refresh_from_db()
    assert (experiment.name, experiment.description, experiment.is_archived) == (
        "mine",
        "new",
        True,
    )


def test_patch_rejects_duplicate_name_and_changes_nothing(api, user):
    make_experiment("a", owner=user)
    experiment = make_experiment("b", owner=user)
    response = api.patch(
        detail(experiment), {"name": "a", "description": "zzz"}, format="json"
    )
    assert response.status_code == 409 and "name" in response.json()["error"]
    experiment.refresh_from_db()
    assert (experiment.name, experiment.description) == ("b", "")


def test_delete_refused_while_runs_exist(api, user):
    experiment = make_experiment("busy", owner=user)
    make_run(user, experiment="busy")
    response = api.delete(detail(experiment))
    assert response.status_code == 409
    assert "still has 1 run" in response.json()["error"]
    assert Experiment.objects.filter(pk=experiment.pk).exists()


def test_delete_by_someone_else_is_forbidden(api, other_user):
    experiment = make_experiment("theirs", owner=other_user)
    assert api.delete(detail(experiment)).status_code == 403
    assert Experiment.objects.filter(pk=experiment.pk).exists()


def test_empty_default_experiment_can_be_deleted_and_ingest_recreates_it(
    api, user, staff_user
):
    default = Experiment.objects.default()
    assert api_for(staff_user).delete(detail(default)).status_code == 204
    assert not Experiment.objects.filter(name="default").exists()
    run = ingest.create_run(user, ingest.NewRun(hash=new_hash())).run
    assert run.experiment.name == "default"


def test_stats_counts_and_queries(api, user):
    experiment = make_experiment("s", owner=user)
    make_run(user, experiment="s")
    make_run(user, experiment="s", status="finished")
    make_run(user, experiment="s", status="finished")
    make_run(user, experiment="s", status="failed", is_archived=True)
    data = api.get(detail(experiment, "stats/")).json()
    assert data["counts"] == {
        "total": 4,
        "active": 1,
        "finished": 2,
        "failed": 0,
        "archived": 1,
    }
    assert data["queries"]["active"] == 'run.experiment == "s" and run.active'
    assert data["queries"]["archived"] == 'run.experiment == "s" and run.archived'
    assert [share["status"] for share in data["shares"]] == [
        "active",
        "finished",
        "archived",
    ]
    assert sum(share["percent"] for share in data["shares"]) == pytest.approx(
        100, abs=0.2
    )


def test_activity_is_newest_first_paged_with_progress(api, user):
    experiment = make_experiment("a", owner=user)
    now = timezone.now()
    old = make_run(
        user,
        experiment="a",
        name="old",
        status="finished",
        created_at=now - timedelta(days=2),
    )
    make_run(
        user,
        experiment="a",
        name="broken",
        status="failed",
        created_at=now - timedelta(days=1),
    )
    make_run(
        user,
        experiment="a",
        name="live",
        metrics={"loss": [1.0, 0.5, 0.2]},
        created_at=now - timedelta(minutes=5),
    )
    data = api.get(detail(experiment, "activity/"), {"page_size": 2}).json()
    assert data["count"] == 3
    assert [row["name"] for row in data["results"]] == ["live", "broken"]
    live = data["results"][0]["progress"]
    assert (
        live["status"] == "active"
        and live["last_step"] == 2
        and live["elapsed_seconds"] >= 299
    )
    assert data["results"][1]["progress"]["status"] == "failed"
    rest = api.get(data["next"]).json()
    assert [row["url"] for row in rest["results"]] == [f"/runs/{old.hash}/"]


def test_activity_rejects_a_bad_page(api, user):
    experiment = make_experiment("a", owner=user)
    activity = detail(experiment, "activity/")
    for page in ("x", "0", "", "last", "2"):
        assert api.get(activity, {"page": page}).status_code == 404, page
    assert api.get(activity, {"page_size": "x"}).status_code == 400
    assert api.get(activity, {"page_size": "0"}).status_code == 400
    assert api.get(activity, {"page_size": "1000"}).status_code == 200


def test_calendar_lists_days_with_runs(api, user):
    experiment = make_experiment("c", owner=user)
    make_run(user, experiment="c")
    make_run(user, experiment="c")
    data = api.get(detail(experiment, "calendar/")).json()
    assert data["total"] == 2 and data["time_zone"] == "UTC"
    assert (
        len(data["days"]) == 1
        and data["days"][0]["count"] == 2
        and data["days"][0]["level"] == 4
    )
    assert data["days"][0]["query"].startswith('run.experiment == "c" and datetime(')


def test_notes_get_and_put_render_sanitised_html(api, user):
    experiment = make_experiment("n", owner=user)
    notes = "**bold** <img src=x onerror=alert(1)> <a href='javascript:alert(1)'>x</a><script>bad()</script>"
    response = api.put(detail(experiment, "notes/"), {"notes": notes}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (
        data["notes"] == notes
        and data["updated_by"] == user.username
        and data["updated_at"]
    )
    assert "<strong>bold</strong>" in data["html"]
    for bad in ("onerror", "javascript:", "<script", "bad()"):
        assert bad not in data["html"]
    assert api.get(detail(experiment, "notes/")).json()["html"] == data["html"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"notes": 5}, 400),
        ({}, 400),
        ({"notes": "x" * (MAX_NOTES_LENGTH + 1)}, 400),
        ({"notes": "a", "b": 1}, 400),
    ],
)
def test_notes_put_rejects_bad_input(api, user, body, status):
    experiment = make_experiment("n", owner=user, notes="keep")
    response = api.put(detail(experiment, "notes/"), body, format="json")
    assert response.status_code == status and response.json()["error"]
    experiment.refresh_from_db()
    assert experiment.notes == "keep"


def test_notes_put_by_someone_else_is_forbidden(api, other_user):
    experiment = make_experiment("n", owner=other_user, notes="keep")
    assert (
        api.put(
            detail(experiment, "notes/"), {"notes": "mine"}, format="json"
        ).status_code
        == 403
    )
    experiment.refresh_from_db()
    assert experiment.notes == "keep"


def test_markdown_preview_renders_without_saving(api):
    response = api.post(
        f"{LIST}markdown-preview/",
        {"notes": "# Hi\n<script>x()</script>"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["html"].strip() == "<h1>Hi</h1>"


def test_missing_experiment_is_404(api):
    assert api.get(f"{LIST}999/stats/").status_code == 404
