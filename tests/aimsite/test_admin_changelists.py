"""Every model in the admin can be searched and filtered, on a real server."""

import re
from html import unescape

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

from tests.factories import make_run, make_tag, make_user
from tests.helpers.clients import signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)

FILTER_LINK = re.compile(r'<li>\s*<a href="(\?[^"]+)"')


def _changelists() -> list[tuple[str, admin.ModelAdmin]]:
    return [
        (f"/admin/{model._meta.app_label}/{model._meta.model_name}/", model_admin)
        for model, model_admin in admin.site._registry.items()
    ]


OUR_APPS = {"aimsite", "experiments", "media_tracks", "runs", "tags"}


def test_every_model_of_ours_is_in_the_admin():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and model not in admin.site._registry
    ]
    assert missing == []


def test_every_admin_changelist_answers_a_search_and_a_filter(server):
    staff = make_user("root", is_staff=True)
    staff.is_superuser = True
    staff.save()
    run = make_run(staff, metrics={"loss": [1.0, 0.5]}, logs=["hello"])
    run.tags.add(make_tag("best"))
    session = signed_in_session(staff)
    for path, model_admin in _changelists():
        assert model_admin.list_filter, f"{path} has no list filter"
        assert model_admin.search_fields, f"{path} has no search"
        searched = session.get(f"{server.url}{path}?q=a", timeout=10)
        assert searched.status_code == 200, path
        assert 'id="changelist-search"' in searched.text, path
        page = session.get(f"{server.url}{path}", timeout=10)
        filter_panel = page.text.split('id="changelist-filter"', 1)
        assert len(filter_panel) == 2, f"{path} shows no filter panel"
        links = [
            unescape(link)
            for link in FILTER_LINK.findall(filter_panel[1])
            if link != "?"
        ]
        assert links, f"{path} offers no filter choice"
        filtered = session.get(f"{server.url}{path}{links[-1]}&q=a", timeout=10)
        assert filtered.status_code == 200, (path, links[-1])
        assert "errornote" not in filtered.text, (path, links[-1])


def test_admin_names_read_as_english(server):
    staff = make_user("root", is_staff=True)
    staff.is_superuser = True
    staff.save()
    index = signed_in_session(staff).get(f"{server.url}/admin/", timeout=10).text
    assert "aimsite administration" in index
    for name in ["Applied batches", "Media tracks", "Metric series", "Log lines"]:
        assert name in index, name
    assert "batchs" not in index and "Media_Tracks" not in index


def test_the_api_schema_builds_without_warnings(tmp_path):
    # --fail-on-warn turns every drf-spectacular warning and error into a failure.
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
    )
    assert (tmp_path / "schema.yml").stat().st_size > 10_000
