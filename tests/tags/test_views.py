import pytest

from tags.models import Tag
from tests.factories import make_run, make_tag
from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db


def test_list_shows_active_tags_and_archived_in_their_own_tab(
    signed_in, user, django_assert_max_num_queries
):
    make_tag("live-one", owner=user)
    make_tag("old-one", is_archived=True)
    with django_assert_max_num_queries(8):
        page = signed_in.get("/tags/").content.decode()
    assert 'data-name="live-one"' in page
    assert 'data-name="old-one"' not in page
    archived = signed_in.get("/tags/?tab=archived").content.decode()
    assert 'data-name="old-one"' in archived
    assert 'data-name="live-one"' not in archived


def test_list_search_matches_name_or_comment(signed_in):
    make_tag("bert", comment="language")
    make_tag("resnet", comment="vision")
    page = signed_in.get("/tags/?q=VISION").content.decode()
    assert 'data-name="resnet"' in page
    assert 'data-name="bert"' not in page


def test_list_escapes_user_text(signed_in):
    make_tag("<script>x</script>", comment="<b>bold</b>")
    page = signed_in.get("/tags/").content.decode()
    assert "<script>x</script>" not in page
    assert "<b>bold</b>" not in page


def test_list_needs_a_signed_in_user(client):
    response = client.get("/tags/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_create_redirects_with_a_success_message(signed_in, user):
    response = signed_in.post(
        "/tags/create/",
        {"name": "new", "color": "#18AB6D", "next": "/tags/"},
        follow=True,
    )
    assert response.redirect_chain == [("/tags/", 302)]
    assert "Tag “new” created." in response.content.decode()
    assert Tag.objects.get(name="new").owner == user


def test_create_with_bad_input_rerenders_the_modal_with_errors(signed_in):
    make_tag("dup")
    response = signed_in.post(
        "/tags/create/", {"name": "dup", "comment": "c" * 201, "color": "#000000"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-open-dialog="tag-create-modal"' in page
    assert "already exists" in page
    assert "at most 200 characters" in page
    assert "Pick a colour from the palette" in page
    assert Tag.objects.count() == 1


def test_create_ignores_an_offsite_next(signed_in):
    response = signed_in.post(
        "/tags/create/", {"name": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/tags/"


def test_pages_refuse_get_on_write_urls(signed_in, user):
    tag = make_tag(owner=user)
    for url in (
        "/tags/create/",
        f"/tags/{tag.id}/edit/",
        f"/tags/{tag.id}/archive/",
        f"/tags/{tag.id}/delete/",
    ):
        assert signed_in.get(url).status_code == 405


def test_edit_saves_and_a_bad_edit_keeps_the_stored_values(signed_in, user):
    tag = make_tag("a", owner=user, comment="keep")
    response = signed_in.post(
        f"/tags/{tag.id}/edit/", {"name": "b", "comment": "new", "color": "#E64E48"}
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.comment, tag.color) == ("b", "new", "#E64E48")
    response = signed_in.post(
        f"/tags/{tag.id}/edit/", {"name": "", "comment": "x", "color": "#E64E48"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-open-dialog="tag-edit-modal"' in page
    assert 'id="tag-edit-initial"' in page
    tag.refresh_from_db()
    assert tag.comment == "new"


def test_another_users_tag_cannot_be_edited_archived_or_deleted(signed_in, other_user):
    tag = make_tag("theirs", owner=other_user)
    assert (
        signed_in.post(
            f"/tags/{tag.id}/edit/", {"name": "mine", "color": "#3E72E7"}
        ).status_code
        == 403
    )
    assert (
        signed_in.post(f"/tags/{tag.id}/archive/", {"is_archived": "true"}).status_code
        == 403
    )
    assert (
        signed_in.post(
            f"/tags/{tag.id}/delete/", {"confirm_name": "theirs"}
        ).status_code
        == 403
    )
    tag.refresh_from_db()
    assert (tag.name, tag.is_archived) == ("theirs", False)


def test_another_users_tag_shows_no_edit_buttons(signed_in, other_user):
    make_tag("theirs", owner=other_user)
    page = signed_in.get("/tags/").content.decode()
    assert "Edit theirs" not in page
    assert "Delete theirs" not in page


def test_delete_needs_the_exact_name(signed_in, user):
    tag = make_tag("exact", owner=user)
    run = make_run(user)
    run.tags.add(tag)
    response = signed_in.post(
        f"/tags/{tag.id}/delete/", {"confirm_name": "Exact"}, follow=True
    )
    assert "Nothing was deleted" in response.content.decode()
    assert Tag.objects.filter(pk=tag.pk).exists()
    response = signed_in.post(
        f"/tags/{tag.id}/delete/", {"confirm_name": "exact"}, follow=True
    )
    assert "removed from 1 run." in response.content.decode()
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert run.tags.count() == 0


def test_archive_and_unarchive(signed_in, user):
    tag = make_tag("t", owner=user)
    signed_in.post(f"/tags/{tag.id}/archive/", {"is_archived": "true"})
    tag.refresh_from_db()
    assert tag.is_archived
    signed_in.post(f"/tags/{tag.id}/archive/", {"is_archived": "false"})
    tag.refresh_from_db()
    assert not tag.is_archived


def test_unknown_tag_is_404(signed_in):
    assert signed_in.post("/tags/999/edit/", {"name": "x"}).status_code == 404


def test_admin_delete_action_detaches_runs_through_the_service(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client = signed_in_client(staff_user)
    tag = make_tag("admin-gone")
    run = make_run(staff_user)
    run.tags.add(tag)
    response = client.post(
        "/admin/tags/tag/",
        {"action": "delete_selected", "_selected_action": [tag.id], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert run.tags.count() == 0


def test_admin_change_form_uses_the_same_validation(staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client = signed_in_client(staff_user)
    make_tag("taken")
    assert client.get("/admin/tags/tag/add/").status_code == 200
    response = client.post(
        "/admin/tags/tag/add/",
        {
            "name": "TAKEN",
            "comment": "",
            "color": "#3E72E7",
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Tag.objects.count() == 1
