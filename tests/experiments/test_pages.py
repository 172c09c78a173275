import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.models import Experiment
from tests.factories import make_experiment, make_run
from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db


def test_list_shows_counts_by_status_and_searches(user):
    make_experiment("mnist", owner=user, description="digits")
    make_experiment("cifar", owner=user)
    make_run(user, experiment="mnist")
    make_run(user, experiment="mnist", status="finished")
    make_run(user, experiment="mnist", is_archived=True)
    client = signed_in_client(user)
    page = client.get(reverse("experiments:list")).content.decode()
    assert "mnist" in page and "cifar" in page
    row = re.search(r'<tr data-name="mnist">(.*?)</tr>', page, re.S).group(1)
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', row))
    assert counts == {
        "total": "3",
        "active": "1",
        "finished": "1",
        "failed": "0",
        "archived": "1",
    }
    found = client.get(
        reverse("experiments:list"), {"search": "digit"}
    ).content.decode()
    assert 'data-name="mnist"' in found and 'data-name="cifar"' not in found


def test_list_requires_sign_in(client):
    response = client.get(reverse("experiments:list"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_create_sets_owner_and_redirects_with_toast(user):
    client = signed_in_client(user)
    response = client.post(
        reverse("experiments:create"),
        {"name": " resnet ", "description": "d"},
        follow=True,
    )
    experiment = Experiment.objects.get(name="resnet")
    assert experiment.owner == user
    assert response.redirect_chain[-1][0] == reverse(
        "experiments:detail", args=[experiment.pk]
    )
    assert "Experiment “resnet” created." in response.content.decode()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "A name is required."),
        ("taken", "already exists"),
        ("x" * 201, "at most 200 characters"),
    ],
)
def test_create_rejects_bad_names_inline_and_writes_nothing(user, name, message):
    make_experiment("taken")
    client = signed_in_client(user)
    response = client.post(reverse("experiments:create"), {"name": name})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and "data-open-on-load" in page
    assert Experiment.objects.count() == 1


def test_create_requires_post(user):
    assert signed_in_client(user).get(reverse("experiments:create")).status_code == 405


def test_overview_cards_link_to_the_explorer_with_their_query(user):
    experiment = make_experiment('we"ird\\name', owner=user)
    make_run(user, experiment=experiment.name, status="failed")
    page = (
        signed_in_client(user)
        .get(reverse("experiments:detail", args=[experiment.pk]))
        .content.decode()
    )
    assert 'data-card="failed"' in page
    href = re.search(r'href="([^"]+)" data-card="failed"', page).group(1)
    assert href.startswith("/runs/?q=run.experiment")
    assert "run.status" in href


def test_overview_of_missing_experiment_is_404(user):
    assert (
        signed_in_client(user)
        .get(reverse("experiments:detail", args=[999]))
        .status_code
        == 404
    )


def test_activity_feed_is_newest_first_and_paged(user):
    experiment = make_experiment("feed", owner=user)
    now = timezone.now()
    for index in range(20):
        make_run(
            user,
            experiment="feed",
            name=f"run-{index:02d}",
            created_at=now - timedelta(hours=index),
        )
    client = signed_in_client(user)
    first = client.get(
        reverse("experiments:detail", args=[experiment.pk])
    ).content.decode()
    names = re.findall(r'class="activity-name"[^>]*>(run-\d+)<', first)
    assert names == [f"run-{index:02d}" for index in range(15)]
    second = client.get(
        reverse("experiments:detail", args=[experiment.pk]), {"page": 2}
    ).content.decode()
    assert re.findall(r'class="activity-name"[^>]*>(run-\d+)<', second) == [
        f"run-{i}" for i in range(15, 20)
    ]


def test_notes_save_and_render_sanitised(user):
    experiment = make_experiment("notes", owner=user)
    client = signed_in_client(user)
    notes = "# Title\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    response = client.post(
        reverse("experiments:notes", args=[experiment.pk]),
        {"notes": notes},
        follow=True,
    )
    page = response.content.decode()
    assert "Notes saved." in page
    rendered = page.split('id="notes-rendered">', 1)[1]
    assert "<h1>Title</h1>" in rendered
    assert "<script>alert" not in rendered and "javascript:" not in rendered
    experiment.refresh_from_db()
    assert experiment.notes == notes and experiment.notes_updated_by == user


def test_notes_of_someone_else_are_read_only_and_post_is_forbidden(user, other_user):
    experiment = make_experiment("theirs", owner=other_user, notes="hello")
    client = signed_in_client(user)
    page = client.get(
        reverse("experiments:notes", args=[experiment.pk])
    ).content.decode()
    assert 'id="notes-form"' not in page and "hello" in page
    response = client.post(
        reverse("experiments:notes", args=[experiment.pk]), {"notes": "mine"}
    )
    assert response.status_code == 403
    experiment.refresh_from_db()
    assert experiment.notes == "hello"


def test_settings_validation_errors_are_inline_and_change_nothing(user):
    experiment = make_experiment("keep", owner=user)
    make_experiment("other")
    client = signed_in_client(user)
    response = client.post(
        reverse("experiments:settings", args=[experiment.pk]), {"name": "other"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="name"' in page and "already exists" in page
    assert '<h1 id="experiment-name">keep' in page
    experiment.refresh_from_db()
    assert experiment.name == "keep"


def test_settings_save_toasts(user):
    experiment = make_experiment("old", owner=user)
    response = signed_in_client(user).post(
        reverse("experiments:settings", args=[experiment.pk]),
        {"name": "new", "description": "d"},
        follow=True,
    )
    assert "Settings saved." in response.content.decode()
    experiment.refresh_from_db()
    assert (experiment.name, experiment.description) == ("new", "d")


def test_settings_of_someone_else_are_forbidden(user, other_user):
    experiment = make_experiment("theirs", owner=other_user)
    client = signed_in_client(user)
    assert (
        client.post(
            reverse("experiments:settings", args=[experiment.pk]), {"name": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("experiments:archive", args=[experiment.pk])).status_code
        == 403
    )
    assert (
        client.post(reverse("experiments:delete", args=[experiment.pk])).status_code
        == 403
    )
    experiment.refresh_from_db()
    assert experiment.name == "theirs" and not experiment.is_archived


def test_archive_and_unarchive(user):
    experiment = make_experiment("arch", owner=user)
    client = signed_in_client(user)
    client.post(
        reverse("experiments:archive", args=[experiment.pk]), {"is_archived": "true"}
    )
    experiment.refresh_from_db()
    assert experiment.is_archived
    client.post(
        reverse("experiments:archive", args=[experiment.pk]), {"is_archived": "false"}
    )
    experiment.refresh_from_db()
    assert not experiment.is_archived


def test_delete_refused_while_the_experiment_has_runs(user):
    experiment = make_experiment("busy", owner=user)
    make_run(user, experiment="busy")
    client = signed_in_client(user)
    page = client.get(
        reverse("experiments:settings", args=[experiment.pk])
    ).content.decode()
    assert "still has 1 run" in page
    response = client.post(
        reverse("experiments:delete", args=[experiment.pk]), follow=True
    )
    assert "still has 1 run" in response.content.decode()
    assert Experiment.objects.filter(pk=experiment.pk).exists()


def test_delete_of_an_empty_experiment(user):
    experiment = make_experiment("empty", owner=user)
    response = signed_in_client(user).post(
        reverse("experiments:delete", args=[experiment.pk]), follow=True
    )
    assert "Experiment “empty” deleted." in response.content.decode()
    assert not Experiment.objects.filter(pk=experiment.pk).exists()


def test_runs_tab_mounts_the_explorer_table_with_the_experiments_query(user):
    experiment = make_experiment('quo"te', owner=user)
    page = (
        signed_in_client(user)
        .get(reverse("experiments:runs", args=[experiment.pk]))
        .content.decode()
    )
    assert 'data-table-url="/runs/table"' in page
    assert 'data-query="run.experiment == &quot;quo\\&quot;te&quot;"' in page
    assert "Compare in explorer" in page
