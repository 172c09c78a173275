"""Batch actions know who you are: POST /api/v1/runs/selection counts what a batch
would touch, and `expected` makes archive/delete change exactly what was confirmed."""

import pytest
import requests
from rest_framework.test import APIClient

from experiments.models import Experiment
from runs.models import Run
from tests.factories import make_run, make_token, make_user
from tests.helpers.clients import api_for, signed_in_client

pytestmark = pytest.mark.django_db

SELECTION = "/api/v1/runs/selection"


@pytest.fixture
def mixed(user, other_user):
    """alice: two runs (one archived); bob: one run; one run whose owner is gone."""
    mine = make_run(user, name="mine", experiment="nlp")
    mine_archived = make_run(user, name="mine-old", experiment="nlp", is_archived=True)
    theirs = make_run(other_user, name="theirs", experiment="nlp")
    orphan = make_run(make_user("gone"), name="orphan", experiment="vision")
    Run.objects.filter(pk=orphan.pk).update(owner=None)
    return mine, mine_archived, theirs, orphan


def _summary(client, body: dict) -> dict:
    answer = client.post(SELECTION, body, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_selection_by_hashes_counts_what_the_user_may_change(api, mixed):
    mine, mine_archived, theirs, _ = mixed
    hashes = [mine.hash, mine_archived.hash, theirs.hash]
    assert _summary(api, {"hashes": hashes}) == {
        "total": 3,
        "changeable": 2,
        "owned": 2,
        "archived": 1,
    }
    assert _summary(api, {"hashes": [mine.hash]})["changeable"] == 1


def test_staff_may_change_every_run_of_a_selection(staff_user, mixed):
    summary = _summary(api_for(staff_user), {"q": "run.archived or not run.archived"})
    assert summary == {"total": 4, "changeable": 4, "owned": 0, "archived": 1}


def test_selection_by_query_counts_the_runs_the_query_matches(api, mixed):
    # Archived runs only count when the query mentions them, as in the explorer.
    assert _summary(api, {"q": 'run.experiment == "nlp"'}) == {
        "total": 2,
        "changeable": 1,
        "owned": 1,
        "archived": 0,
    }
    assert _summary(api, {"q": ""})["total"] == 3
    assert _summary(api, {"q": 'run.name == "nobody"'}) == {
        "total": 0,
        "changeable": 0,
        "owned": 0,
        "archived": 0,
    }


@pytest.mark.parametrize("who", ["alice", "bob", "carol (staff)"])
def test_changeable_agrees_with_run_can_edit(user, other_user, staff_user, mixed, who):
    someone = {"alice": user, "bob": other_user, "carol (staff)": staff_user}[who]
    summary = _summary(api_for(someone), {"hashes": [run.hash for run in mixed]})
    assert summary["changeable"] == sum(run.can_edit(someone) for run in mixed)


def test_selection_is_counted_in_one_query(api, mixed, django_assert_num_queries):
    client = APIClient()
    client.force_authenticate(api.user)
    with django_assert_num_queries(1):
        answer = client.post(SELECTION, {"q": "run.archived"}, format="json")
    assert answer.json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "give `hashes`"),
        ({"hashes": "abc"}, 400, "hashes must be a list"),
        ({"hashes": []}, 400, "give 1 to"),
        ({"q": "run.x >"}, 400, "syntax error"),
        ({"q": 5}, 400, "q must be an AimQL query"),
        ([1, 2], 400, "JSON object"),
        ({"hashes": ["0" * 24]}, 404, "unknown runs: " + "0" * 24),
        ({"hashes": ["a\x00b"]}, 400, "must be a run hash"),
        ({"hashes": ["0" * 24 + "\n"]}, 400, "must be a run hash"),
    ],
)
def test_selection_rejects_bad_input_with_a_message(api, mixed, body, status, message):
    answer = api.post(SELECTION, body, format="json")
    assert answer.status_code == status
    assert message in answer.json()["error"]


def test_selection_needs_a_signed_in_user_and_a_post(api, mixed):
    anonymous = APIClient().post(SELECTION, {"q": ""}, format="json")
    assert anonymous.status_code == 401
    assert api.get(SELECTION).status_code == 405


# -- `expected`: the batch changes exactly what the confirmation said -------------


def test_archive_with_the_confirmed_count_applies(api, mixed):
    mine, _, _, _ = mixed
    answer = api.post(
        "/api/v1/runs/archive",
        {"q": 'run.experiment == "nlp" and run.name == "mine"', "expected": 1},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["count"] == 1
    assert Run.objects.get(pk=mine.pk).is_archived


@pytest.mark.parametrize("path", ["/api/v1/runs/archive", "/api/v1/runs/delete"])
def test_a_selection_that_moved_since_confirming_is_refused_and_nothing_changes(
    api, user, mixed, path
):
    query = 'run.experiment == "nlp"'
    confirmed = _summary(api, {"q": query})["total"]
    make_run(user, name="arrived-meanwhile", experiment="nlp")
    answer = api.post(path, {"q": query, "expected": confirmed}, format="json")
    assert answer.status_code == 409
    assert answer.json() == {
        "error": "The selection changed since you confirmed: 3 runs match now, "
        "you confirmed 2. Nothing was changed.",
        "field": "expected",
    }
    assert Run.objects.count() == 5
    assert Run.objects.filter(is_archived=True).count() == 1


@pytest.mark.parametrize("expected", ["2", -1, True, 1.5])
def test_expected_must_be_a_count(api, mixed, expected):
    answer = api.post(
        "/api/v1/runs/delete", {"q": "", "expected": expected}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "expected"
    assert Run.objects.count() == 4


def test_a_mixed_batch_of_a_non_staff_user_writes_nothing(api, mixed):
    mine, _, theirs, _ = mixed
    hashes = [mine.hash, theirs.hash]
    answer = api.post(
        "/api/v1/runs/archive", {"hashes": hashes, "expected": 2}, format="json"
    )
    assert answer.status_code == 403
    assert "1 of the selected runs" in answer.json()["error"]
    assert not Run.objects.filter(hash__in=hashes, is_archived=True).exists()


def test_staff_mixed_batch_changes_exactly_the_confirmed_runs(staff_user, mixed):
    mine, mine_archived, theirs, orphan = mixed
    staff = api_for(staff_user)
    hashes = [mine.hash, theirs.hash, orphan.hash]
    summary = _summary(staff, {"hashes": hashes})
    assert (summary["total"], summary["changeable"], summary["owned"]) == (3, 3, 0)
    answer = staff.post(
        "/api/v1/runs/delete",
        {"hashes": hashes, "expected": summary["total"]},
        format="json",
    )
    assert answer.json() == {"count": 3}
    assert list(Run.objects.values_list("hash", flat=True)) == [mine_archived.hash]


@pytest.mark.django_db(transaction=True)
def test_count_then_confirmed_archive_over_http(server):
    owner = make_user("dana")
    runs = [make_run(owner, name=f"r{index}", experiment="http") for index in range(3)]
    make_run(make_user("eve"), name="foreign", experiment="http")
    headers = {"Authorization": f"Bearer {make_token(owner)}"}
    body = {"q": 'run.experiment == "http" and run.name.startswith("r")'}
    summary = requests.post(
        f"{server.url}{SELECTION}", json=body, headers=headers, timeout=10
    ).json()
    assert summary == {"total": 3, "changeable": 3, "owned": 3, "archived": 0}
    answer = requests.post(
        f"{server.url}/api/v1/runs/archive",
        json={**body, "expected": summary["total"]},
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["count"] == 3
    assert (
        Run.objects.filter(pk__in=[run.pk for run in runs], is_archived=True).count()
        == 3
    )
    everything = requests.post(
        f"{server.url}{SELECTION}",
        json={"q": 'run.experiment == "http"'},
        headers=headers,
        timeout=10,
    ).json()
    assert (everything["total"], everything["changeable"]) == (1, 0)


@pytest.mark.parametrize("page", ["explorer", "experiment runs tab"])
def test_pages_with_the_runs_table_render_the_one_batch_toolbar(user, page):
    make_run(user, experiment="nlp")
    client = signed_in_client(user)
    path = (
        "/runs/"
        if page == "explorer"
        else f"/experiments/{Experiment.objects.get(name='nlp').pk}/runs/"
    )
    body = client.get(path).content.decode()
    for name in ("archive", "unarchive", "delete"):
        assert body.count(f'data-action="{name}" disabled') == 1
    assert body.count("data-batch-note") == 1
    assert "runs_batch_actions.js" not in body  # the comment stays in the template
