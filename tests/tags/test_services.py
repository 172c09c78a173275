import pytest
from django.core.exceptions import PermissionDenied

from runs import live
from tags import services
from tags.models import Tag
from tests.factories import make_run, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Live events as (groups, event): one entry per event, with every group it went to."""
    events: list[tuple[list[str], dict]] = []

    def record(messages: list[tuple[str, dict]]) -> None:
        for group, event in messages:
            if events and events[-1][1] is event:
                events[-1][0].append(group)
            else:
                events.append(([group], event))

    monkeypatch.setattr(live, "_send", record)
    return events


def test_deleting_a_tag_sends_run_tags_for_every_affected_run(
    user, sent, django_capture_on_commit_callbacks
):
    tag = make_tag("gone", owner=user)
    kept = make_tag("kept", color="#18AB6D")
    tagged = [make_run(user), make_run(user)]
    for run in tagged:
        run.tags.add(tag, kept)
    make_run(user)  # untouched
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delete_tag(tag, user) == 2
    tag_events = [
        (groups, event) for groups, event in sent if event["type"] == "run.tags"
    ]
    assert {event["hash"] for _, event in tag_events} == {run.hash for run in tagged}
    for groups, event in tag_events:
        assert groups == ["runs", f"run.{event['hash']}"]
        assert event["tags"] == [{"id": kept.id, "name": "kept", "color": "#18AB6D"}]


def test_archiving_a_tag_hides_it_from_the_runs_live_tag_lists(
    user, sent, django_capture_on_commit_callbacks
):
    tag = make_tag("old", owner=user)
    run = make_run(user)
    run.tags.add(tag)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.set_archived(tag, user, True)
    assert [event for _, event in sent] == [
        {"type": "run.tags", "hash": run.hash, "tags": []}
    ]


def test_renaming_sends_the_new_name_but_a_comment_change_sends_nothing(
    user, sent, django_capture_on_commit_callbacks
):
    tag = make_tag("old", owner=user)
    run = make_run(user)
    run.tags.add(tag)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_tag(tag, user, {"comment": "just a note"})
    assert sent == []
    with django_capture_on_commit_callbacks(execute=True):
        services.update_tag(tag, user, {"name": "new"})
    assert [event["tags"][0]["name"] for _, event in sent] == ["new"]


def test_services_refuse_someone_elses_tag(user, other_user):
    tag = make_tag("theirs", owner=other_user)
    with pytest.raises(PermissionDenied):
        services.update_tag(tag, user, {"name": "mine"})
    with pytest.raises(PermissionDenied):
        services.set_archived(tag, user, True)
    with pytest.raises(PermissionDenied):
        services.delete_tag(tag, user)
    tag.refresh_from_db()
    assert (tag.name, tag.is_archived) == ("theirs", False)


def test_create_reports_every_bad_field(user):
    with pytest.raises(services.TagInvalid) as caught:
        services.create_tag(user, {"name": "", "comment": "c" * 201, "color": "blue"})
    assert set(caught.value.errors) == {"name", "comment", "color"}


def test_tags_for_attach_finds_by_name_and_id_and_names_the_unknown(user):
    by_name, by_id = make_tag("alpha"), make_tag("beta")
    found = services.tags_for_attach(user, ["alpha"], [by_id.id])
    assert {tag.pk for tag in found} == {by_name.pk, by_id.pk}
    with pytest.raises(services.UnknownTags) as unknown:
        services.tags_for_attach(user, ["alpha", "zeta"], [999_999])
    assert unknown.value.message == "unknown tags: zeta, 999999"


def test_tags_for_attach_creates_missing_names_only_when_asked_and_without_ids(user):
    existing = make_tag("Shared")
    found = services.tags_for_attach(
        user, ["shared", "brand-new"], [], create_missing=True
    )
    assert existing in found  # the existing tag whatever the case
    created = Tag.objects.get(name="brand-new")
    assert created in found and created.owner == user and len(found) == 2
    with pytest.raises(services.UnknownTags):
        services.tags_for_attach(
            user, ["other-new"], [existing.id], create_missing=True
        )
    assert not Tag.objects.filter(name="other-new").exists()
