import pytest

from tags.models import DEFAULT_TAG_COLOR, Tag
from tests.factories import make_run, make_tag
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/tags/"


def test_create_tag_returns_201_with_default_colour_and_owner(api, user):
    response = api.post(
        URL, {"name": "baseline", "comment": "first try"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "baseline"
    assert body["color"] == DEFAULT_TAG_COLOR
    assert body["owner"] == user.username
    assert body["run_count"] == 0
    assert body["can_edit"] is True
    assert Tag.objects.get(name="baseline").owner == user


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "x" * 51}, "name", "at most 50"),
        ({"name": "ok", "comment": "c" * 201}, "comment", "at most 200"),
        ({"name": ""}, "name", "name"),
        ({"name": "   "}, "name", "name"),
        ({"comment": "no name"}, "name", "name"),
        ({"name": "ok", "color": "#123456"}, "color", "palette"),
        ({"name": "ok", "color": "red"}, "color", "palette"),
        ({"name": 5}, "name", "string"),
        ({"name": "ok", "is_archived": "yes"}, "is_archived", "true or false"),
    ],
)
def test_create_refuses_bad_fields_with_400_and_writes_nothing(api, body, field, words):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["field"] == field
    assert words in data["error"]
    assert Tag.objects.count() == 0


def test_create_refuses_a_duplicate_name_even_in_another_case_with_409(api):
    make_tag("baseline")
    for name in ("baseline", "BaseLine"):
        response = api.post(URL, {"name": name}, format="json")
        assert response.status_code == 409
        assert "already exists" in response.json()["error"]
    assert Tag.objects.count() == 1


def test_create_refuses_malformed_json(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert Tag.objects.count() == 0


def test_fifty_character_name_and_two_hundred_character_comment_are_accepted(api):
    response = api.post(
        URL, {"name": "n" * 50, "comment": "c" * 200, "color": "#E64E48"}, format="json"
    )
    assert response.status_code == 201
    assert Tag.objects.get().color == "#E64E48"


def test_list_has_run_counts_search_and_archived_filter(api, user):
    used = make_tag("used", owner=user)
    make_tag("unused")
    make_tag("old", is_archived=True, comment="retired")
    run = make_run(user)
    run.tags.add(used)
    rows = api.get(URL).json()
    assert [(row["name"], row["run_count"]) for row in rows] == [
        ("old", 0),
        ("unused", 0),
        ("used", 1),
    ]
    assert [row["name"] for row in api.get(URL, {"is_archived": "false"}).json()] == [
        "unused",
        "used",
    ]
    assert [row["name"] for row in api.get(URL, {"q": "retir"}).json()] == ["old"]


def test_list_query_count_does_not_grow_with_tags(api, django_assert_max_num_queries):
    for _ in range(20):
        make_tag()
    with django_assert_max_num_queries(4):
        assert len(api.get(URL).json()) == 20


def test_patch_changes_fields_and_keeps_the_others(api, user):
    tag = make_tag("a", owner=user, comment="keep")
    response = api.patch(f"{URL}{tag.id}/", {"color": "#18AB6D"}, format="json")
    assert response.status_code == 200
    tag.refresh_from_db()
    assert (tag.name, tag.comment, tag.color) == ("a", "keep", "#18AB6D")


def test_patch_may_keep_its_own_name_but_not_take_another(api, user):
    tag = make_tag("a", owner=user)
    make_tag("b")
    assert api.patch(f"{URL}{tag.id}/", {"name": "a"}, format="json").status_code == 200
    response = api.patch(
        f"{URL}{tag.id}/", {"name": "B", "comment": "x"}, format="json"
    )
    assert response.status_code == 409
    tag.refresh_from_db()
    assert (tag.name, tag.comment) == ("a", "")


def test_patch_with_bad_fields_does_not_archive_either(api, user):
    tag = make_tag("a", owner=user)
    response = api.patch(
        f"{URL}{tag.id}/", {"color": "nope", "is_archived": True}, format="json"
    )
    assert response.status_code == 400
    tag.refresh_from_db()
    assert not tag.is_archived


def test_archive_and_unarchive_through_patch(api, user):
    tag = make_tag("a", owner=user)
    assert (
        api.patch(f"{URL}{tag.id}/", {"is_archived": True}, format="json").json()[
            "is_archived"
        ]
        is True
    )
    assert (
        api.patch(f"{URL}{tag.id}/", {"is_archived": False}, format="json").json()[
            "is_archived"
        ]
        is False
    )


def test_another_user_may_not_edit_archive_or_delete(api, other_user):
    tag = make_tag("theirs", owner=other_user)
    for response in (
        api.patch(f"{URL}{tag.id}/", {"name": "mine"}, format="json"),
        api.patch(f"{URL}{tag.id}/", {"is_archived": True}, format="json"),
        api.delete(f"{URL}{tag.id}/"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]
    tag.refresh_from_db()
    assert (tag.name, tag.is_archived) == ("theirs", False)


def test_staff_may_edit_someone_elses_tag(staff_user, other_user):
    tag = make_tag("theirs", owner=other_user)
    response = api_for(staff_user).patch(
        f"{URL}{tag.id}/", {"name": "renamed"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "renamed"


def test_delete_detaches_the_tag_from_every_run(api, user):
    tag = make_tag("gone", owner=user)
    kept = make_tag("kept")
    runs = [make_run(user) for _ in range(3)]
    for run in runs:
        run.tags.add(tag, kept)
    assert api.delete(f"{URL}{tag.id}/").status_code == 204
    assert not Tag.objects.filter(name="gone").exists()
    for run in runs:
        assert list(run.tags.values_list("name", flat=True)) == ["kept"]


def test_unknown_tag_answers_404(api):
    assert api.get(f"{URL}999/").status_code == 404
    assert api.delete(f"{URL}999/").status_code == 404


def test_anonymous_gets_nothing(client):
    make_tag("a")
    assert client.get(URL).status_code in (401, 403)
    assert client.post(
        URL, {"name": "b"}, content_type="application/json"
    ).status_code in (401, 403)
    assert Tag.objects.count() == 1


def test_runs_of_a_tag_list_name_hash_and_experiment(api, user):
    tag = make_tag("t")
    first = make_run(user, name="first", experiment="mnist")
    second = make_run(user, experiment="cifar")
    make_run(user)  # untagged
    first.tags.add(tag)
    second.tags.add(tag)
    body = api.get(f"{URL}{tag.id}/runs/").json()
    assert body["count"] == 2
    rows = {row["hash"]: row for row in body["runs"]}
    assert rows[first.hash]["name"] == "first"
    assert rows[first.hash]["experiment"] == "mnist"
    assert rows[second.hash]["name"] == second.display_name
    assert rows[second.hash]["experiment"] == "cifar"
