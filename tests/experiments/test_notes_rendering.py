"""Notes are rendered once, when saved, within a time budget (issue 11, point 3)."""

import importlib
import threading

import pytest
import requests
from django.apps import apps
from django.urls import reverse

from experiments.markdown import renderer
from experiments.models import Experiment
from tests.experiments.hostile_notes import HOSTILE_NOTES
from tests.factories import make_experiment, make_token

pytestmark = pytest.mark.django_db

LIST = "/api/v1/experiments/"
TOO_SLOW = HOSTILE_NOTES["unclosed link targets"]
REFUSAL = "too complex to render within 0.75 s"


def notes_url(experiment) -> str:
    return f"{LIST}{experiment.pk}/notes/"


@pytest.fixture
def experiment(user):
    return make_experiment("mnist", owner=user, notes="keep")


def test_pages_and_api_serve_the_stored_html(client, api, user, experiment):
    Experiment.objects.filter(pk=experiment.pk).update(
        notes_html="<p>stored-marker</p>"
    )
    client.force_login(user)
    page = client.get(reverse("experiments:notes", args=[experiment.pk]))
    assert "<p>stored-marker</p>" in page.content.decode()
    assert api.get(notes_url(experiment)).json()["html"] == "<p>stored-marker</p>"


def test_saving_through_the_api_stores_the_rendered_html(api, experiment):
    answer = api.put(notes_url(experiment), {"notes": "# Plan"}, format="json")
    assert answer.status_code == 200
    experiment.refresh_from_db()
    assert experiment.notes == "# Plan"
    assert experiment.notes_html == "<h1>Plan</h1>" == answer.json()["html"]


@pytest.mark.parametrize("name", HOSTILE_NOTES)
def test_hostile_notes_are_saved_rendered_or_refused_whole(api, experiment, name):
    notes = HOSTILE_NOTES[name]
    answer = api.put(notes_url(experiment), {"notes": notes}, format="json")
    experiment.refresh_from_db()
    if answer.status_code == 200:
        assert experiment.notes == notes
        assert experiment.notes_html == answer.json()["html"] != ""
    else:
        assert answer.status_code == 400
        assert REFUSAL in answer.json()["error"]
        assert (experiment.notes, experiment.notes_html) == ("keep", "<p>keep</p>")


@pytest.mark.parametrize("name", HOSTILE_NOTES)
def test_hostile_notes_are_previewed_or_refused(api, name):
    answer = api.post(
        f"{LIST}markdown-preview/", {"notes": HOSTILE_NOTES[name]}, format="json"
    )
    if answer.status_code == 200:
        assert answer.json()["html"] != ""
    else:
        assert answer.status_code == 400
        assert REFUSAL in answer.json()["error"]


def test_api_refuses_a_note_too_complex_and_saves_nothing(api, experiment):
    answer = api.put(notes_url(experiment), {"notes": TOO_SLOW}, format="json")
    assert answer.status_code == 400
    assert answer.json()["field"] == "notes"
    assert answer.json()["error"].startswith(f"This note is {REFUSAL}; simplify it")
    experiment.refresh_from_db()
    assert experiment.notes == "keep" and experiment.notes_updated_at is None


def test_preview_refuses_a_note_too_complex(api):
    answer = api.post(f"{LIST}markdown-preview/", {"notes": TOO_SLOW}, format="json")
    assert answer.status_code == 400
    assert REFUSAL in answer.json()["error"]


def test_page_refuses_a_note_too_complex_with_a_form_error(client, user, experiment):
    client.force_login(user)
    answer = client.post(
        reverse("experiments:notes", args=[experiment.pk]), {"notes": TOO_SLOW}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    error = page.split('data-error-for="notes">', 1)[1].split("</p>", 1)[0]
    assert REFUSAL in error
    experiment.refresh_from_db()
    assert experiment.notes == "keep" and experiment.notes_html == "<p>keep</p>"


def test_a_busy_renderer_answers_503_and_saves_nothing(api, experiment):
    shared = renderer._renderer()
    with shared._lock:
        answer = api.put(notes_url(experiment), {"notes": "new"}, format="json")
        preview = api.post(f"{LIST}markdown-preview/", {"notes": "x"}, format="json")
    assert answer.status_code == preview.status_code == 503
    assert answer["Retry-After"] == "1"
    assert "busy" in answer.json()["error"]
    experiment.refresh_from_db()
    assert experiment.notes == "keep"


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def _admin_post(admin_client, experiment, notes: str):
    return admin_client.post(
        f"/admin/experiments/experiment/{experiment.pk}/change/",
        {
            "name": experiment.name,
            "description": "",
            "notes": notes,
            "owner": experiment.owner_id,
            "created_at_0": "2026-01-01",
            "created_at_1": "00:00:00",
        },
    )


def test_admin_saves_notes_through_the_service(admin_client, staff_user, experiment):
    change_page = f"/admin/experiments/experiment/{experiment.pk}/change/"
    assert admin_client.get(change_page).status_code == 200
    answer = _admin_post(admin_client, experiment, "*edited*")
    assert answer.status_code == 302
    experiment.refresh_from_db()
    assert experiment.notes == "*edited*"
    assert experiment.notes_html == "<p><em>edited</em></p>"
    assert experiment.notes_updated_by == staff_user


def test_admin_refuses_a_note_too_complex_with_a_form_error(admin_client, experiment):
    answer = _admin_post(admin_client, experiment, TOO_SLOW)
    assert answer.status_code == 200
    assert REFUSAL in answer.content.decode()
    experiment.refresh_from_db()
    assert experiment.notes == "keep" and experiment.notes_html == "<p>keep</p>"


def test_migration_renders_stored_notes_and_shows_complex_ones_as_text(user):
    plain = make_experiment("plain", owner=user)
    hostile = make_experiment("hostile", owner=user)
    Experiment.objects.filter(pk=plain.pk).update(notes="**old**", notes_html="")
    Experiment.objects.filter(pk=hostile.pk).update(
        notes=TOO_SLOW + "<script>", notes_html=""
    )
    migration = importlib.import_module(
        "experiments.migrations.0003_render_stored_notes"
    )
    migration.render_notes(apps, None)
    plain.refresh_from_db()
    hostile.refresh_from_db()
    assert plain.notes_html == "<p><strong>old</strong></p>"
    assert REFUSAL in hostile.notes_html
    assert hostile.notes_html.endswith("[a](" * 3 + "&lt;script&gt;</pre>")


@pytest.mark.django_db(transaction=True)
def test_the_server_answers_other_requests_while_a_hostile_preview_runs(server, user):
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    outcome = {}

    def preview() -> None:
        outcome["preview"] = requests.post(
            f"{server.url}{LIST}markdown-preview/",
            json={"notes": TOO_SLOW},
            headers=headers,
            timeout=60,
        )

    hostile = threading.Thread(target=preview)
    hostile.start()
    runs = requests.get(
        f"{server.url}/api/v1/runs/?page_size=1", headers=headers, timeout=60
    )
    hostile.join()
    assert runs.status_code == 200
    assert outcome["preview"].status_code == 400
    assert REFUSAL in outcome["preview"].json()["error"]
