import pytest

from tags.models import Tag
from tests.factories import make_run, make_tag
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db


def _url(run) -> str:
    return f"/api/v1/runs/{run.hash}/tags/"


def test_attach_two_tags_at_once_by_ids_then_detach_one(api, user):
    run = make_run(user)
    first, second = make_tag("first"), make_tag("second")
    response = api.post(_url(run), {"ids": [first.id, second.id]}, format="json")
    assert response.status_code == 200
    assert [tag["name"] for tag in response.json()] == ["first", "second"]
    response = api.post(f"{_url(run)}detach/", {"ids": [first.id]}, format="json")
    assert [tag["name"] for tag in response.json()] == ["second"]
    assert list(run.tags.values_list("name", flat=True)) == ["second"]


def test_detaching_is_a_post_not_a_delete_with_a_body(api, user):
    run = make_run(user)
    run.tags.add(make_tag("kept"))
    response = api.delete(_url(run), {"ids": [run.tags.get().id]}, format="json")
    assert response.status_code == 405
    assert run.tags.count() == 1


def test_detaching_someone_elses_runs_tags_is_refused(user, other_user):
    run = make_run(other_user)
    run.tags.add(make_tag("theirs"))
    response = api_for(user).post(
        f"{_url(run)}detach/", {"names": ["theirs"]}, format="json"
    )
    assert response.status_code == 403
    assert run.tags.count() == 1


def test_archived_tags_are_not_listed_on_a_run(api, user):
    run = make_run(user)
    run.tags.add(make_tag("on"), make_tag("off", is_archived=True))
    assert [tag["name"] for tag in api.get(_url(run)).json()] == ["on"]


def test_attaching_to_someone_elses_run_is_refused(user, other_user):
    run = make_run(other_user)
    tag = make_tag("t", owner=user)
    response = api_for(user).post(_url(run), {"ids": [tag.id]}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]
    assert run.tags.count() == 0


def test_unknown_tag_names_are_refused_with_404_and_nothing_attached(api, user):
    run = make_run(user)
    make_tag("known")
    response = api.post(_url(run), {"names": ["known", "ghost"]}, format="json")
    assert response.status_code == 404
    assert "ghost" in response.json()["error"]
    assert run.tags.count() == 0


def test_create_missing_reuses_a_tag_named_in_another_case_and_creates_new_ones(
    api, user
):
    run = make_run(user)
    existing = make_tag("baseline")
    response = api.post(
        _url(run),
        {"names": ["Baseline", "fresh"], "create_missing": True},
        format="json",
    )
    assert response.status_code == 200
    assert sorted(tag["name"] for tag in response.json()) == ["baseline", "fresh"]
    assert run.tags.filter(pk=existing.pk).exists()
    assert Tag.objects.get(name="fresh").owner == user
