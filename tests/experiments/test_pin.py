"""Pinning an experiment to one's Home page: the page form, the API, per user."""

import pytest

from experiments.models import ExperimentPin
from tests.factories import make_experiment, make_user
from tests.helpers.clients import api_for, signed_in_client

pytestmark = pytest.mark.django_db


def test_pin_form_pins_then_unpins_and_says_so(user):
    experiment = make_experiment("mnist", owner=make_user())  # not the user's own
    client = signed_in_client(user)
    answer = client.post(
        f"/experiments/{experiment.pk}/pin/", {"pinned": "1", "next": "/"}
    )
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert ExperimentPin.objects.filter(user=user, experiment=experiment).exists()
    page = client.get("/").content.decode()
    assert "pinned to your Home page" in page and 'data-pinned="mnist"' in page
    answer = client.post(f"/experiments/{experiment.pk}/pin/", {"pinned": "0"})
    assert answer["Location"] == f"/experiments/{experiment.pk}/"
    assert not ExperimentPin.objects.exists()


def test_pin_form_refuses_bad_input_and_foreign_next(user):
    experiment = make_experiment("mnist")
    client = signed_in_client(user)
    bad = client.post(f"/experiments/{experiment.pk}/pin/", {"pinned": "yes"})
    assert bad.status_code == 400 and b"pinned must be 1" in bad.content
    assert client.get(f"/experiments/{experiment.pk}/pin/").status_code == 405
    assert client.post("/experiments/999999/pin/", {"pinned": "1"}).status_code == 404
    away = client.post(
        f"/experiments/{experiment.pk}/pin/",
        {"pinned": "1", "next": "https://evil.example/"},
    )
    assert away["Location"] == f"/experiments/{experiment.pk}/"
    assert ExperimentPin.objects.filter(user=user).count() == 1


def test_pin_form_needs_sign_in(client):
    experiment = make_experiment("mnist")
    answer = client.post(f"/experiments/{experiment.pk}/pin/", {"pinned": "1"})
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert not ExperimentPin.objects.exists()


def test_experiment_page_and_list_show_the_users_pin_state(user, other_user):
    experiment = make_experiment("mnist")
    client = signed_in_client(user)
    signed_in_client(other_user).post(
        f"/experiments/{experiment.pk}/pin/", {"pinned": "1"}
    )
    for path in (f"/experiments/{experiment.pk}/", "/experiments/"):
        assert (
            'aria-pressed="false" data-pin="mnist"' in client.get(path).content.decode()
        )
    client.post(f"/experiments/{experiment.pk}/pin/", {"pinned": "1"})
    for path in (f"/experiments/{experiment.pk}/", "/experiments/"):
        assert (
            'aria-pressed="true" data-pin="mnist"' in client.get(path).content.decode()
        )


def test_pin_api_reads_pins_and_unpins_any_experiment(user, other_user):
    experiment = make_experiment("mnist", owner=other_user)
    api = api_for(user)
    url = f"/api/v1/experiments/{experiment.pk}/pin/"
    assert api.get(url).json() == {"pinned": False}
    assert api.post(url).json() == {"pinned": True}
    assert api.post(url).json() == {"pinned": True}
    assert api.get(url).json() == {"pinned": True}
    assert api_for(other_user).get(url).json() == {"pinned": False}
    assert api.delete(url).json() == {"pinned": False}
    assert api.delete(url).json() == {"pinned": False}
    assert not ExperimentPin.objects.exists()


def test_pin_api_answers_404_and_401(user, client):
    assert api_for(user).post("/api/v1/experiments/999999/pin/").status_code == 404
    experiment = make_experiment("mnist")
    assert client.post(f"/api/v1/experiments/{experiment.pk}/pin/").status_code in (
        401,
        403,
    )


def test_deleting_an_experiment_removes_its_pins(user):
    experiment = make_experiment("mnist", owner=user)
    api_for(user).post(f"/api/v1/experiments/{experiment.pk}/pin/")
    assert (
        api_for(user).delete(f"/api/v1/experiments/{experiment.pk}/").status_code == 204
    )
    assert not ExperimentPin.objects.exists()
