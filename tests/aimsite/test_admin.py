from pathlib import Path

import pytest

from media_tracks.models import ObjectRecord
from runs.models import Run
from tests.factories import make_run, make_tag, make_user
from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/runs/run/",
    "/admin/runs/metricseries/",
    "/admin/runs/metricchunk/",
    "/admin/runs/logline/",
    "/admin/runs/appliedbatch/",
    "/admin/experiments/experiment/",
    "/admin/tags/tag/",
    "/admin/media_tracks/objectsequence/",
    "/admin/media_tracks/objectrecord/",
    "/admin/aimsite/apitoken/",
]


@pytest.fixture
def admin_client():
    admin = make_user("root", is_staff=True)
    admin.is_superuser = True
    admin.save()
    return signed_in_client(admin)


@pytest.mark.parametrize("path", CHANGELISTS)
def test_every_admin_list_renders_with_data(admin_client, path):
    run = make_run(make_user(), metrics={"loss": [1.0, 0.5]}, logs=["hello"])
    run.tags.add(make_tag("best"))
    answer = admin_client.get(path + "?q=a")
    assert answer.status_code == 200


def test_admin_archive_and_unarchive_actions(admin_client):
    runs = [make_run(make_user()) for _ in range(3)]
    pks = [run.pk for run in runs]
    admin_client.post(
        "/admin/runs/run/", {"action": "archive", "_selected_action": pks}
    )
    assert Run.objects.filter(is_archived=True).count() == 3
    admin_client.post(
        "/admin/runs/run/", {"action": "unarchive", "_selected_action": pks[:1]}
    )
    assert Run.objects.filter(is_archived=True).count() == 2


def test_admin_delete_action_removes_files(
    admin_client, django_capture_on_commit_callbacks
):
    from django.core.files.base import ContentFile

    from media_tracks.models import ObjectSequence

    run = make_run(make_user())
    sequence = ObjectSequence.objects.create(run=run, name="img", kind="image")
    record = ObjectRecord(sequence=sequence, step=0, index=0, format="png")
    record.file.save("x.png", ContentFile(b"png"), save=True)
    path = Path(record.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/runs/run/",
            {"action": "delete_with_files", "_selected_action": [run.pk]},
        )
    assert not Run.objects.filter(pk=run.pk).exists()
    assert not path.exists()


def test_non_staff_users_cannot_open_the_admin():
    client = signed_in_client(make_user())
    answer = client.get("/admin/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
