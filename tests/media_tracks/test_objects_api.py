import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from media_tracks.models import ObjectRecord, ObjectSequence
from tests.factories import make_run
from tests.helpers.clients import api_for
from tests.runs.run_page_data import png, wav

pytestmark = pytest.mark.django_db


def _upload(api, run, objects, files=None):
    data = {"batch": json.dumps({"objects": objects})}
    for key, (name, content) in (files or {}).items():
        data[key] = SimpleUploadedFile(name, content)
    return api.post(f"/api/v1/runs/{run.hash}/objects", data, format="multipart")


def test_every_kind_of_object_round_trips(api):
    run = make_run(api.user)
    objects = [
        {
            "kind": "image",
            "name": "samples",
            "context": {"subset": "val"},
            "step": 1,
            "index": 0,
            "caption": "a",
            "file": "f0",
        },
        {"kind": "audio", "name": "clips", "step": 1, "file": "f1", "format": "wav"},
        {"kind": "text", "name": "notes", "step": 2, "text": "hello"},
        {
            "kind": "figure",
            "name": "fig",
            "step": 0,
            "data": {"data": [{"type": "bar", "y": [1, 2]}], "layout": {}},
        },
        {
            "kind": "distribution",
            "name": "w",
            "step": 0,
            "data": {"bins": [1, 2, 3], "range": [-1, 1]},
        },
    ]
    answer = _upload(
        api, run, objects, {"f0": ("a.png", png()), "f1": ("b.wav", wav())}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"received": 5, "created": 5}
    image = ObjectRecord.objects.get(sequence__kind="image")
    assert (image.width, image.height, image.format) == (8, 6, "png")
    assert Path(image.file.path).exists()
    sequences = api.get(f"/api/v1/runs/{run.hash}/objects?kind=image").json()
    records = api.get(f"/api/v1/objects/sequences/{sequences[0]['id']}/records").json()[
        "records"
    ]
    assert records[0]["caption"] == "a"
    file_answer = api.get(records[0]["url"])
    assert file_answer.status_code == 200 and file_answer["Content-Type"] == "image/png"
    again = _upload(api, run, objects[2:])
    assert again.json()["created"] == 0


@pytest.mark.parametrize(
    ("objects", "files", "needle"),
    [
        (
            [{"kind": "image", "name": "x", "file": "f0"}],
            {"f0": ("a.png", b"not an image")},
            "not a readable image",
        ),
        ([{"kind": "image", "name": "x", "file": "missing"}], {}, "file part"),
        (
            [{"kind": "audio", "name": "x", "file": "f0", "format": "wav"}],
            {"f0": ("a.wav", b"RIFFjunk")},
            "WAV",
        ),
        ([{"kind": "video", "name": "x"}], {}, "kind"),
        ([{"kind": "text", "name": "x", "text": 5}], {}, "text"),
        (
            [
                {
                    "kind": "distribution",
                    "name": "x",
                    "data": {"bins": [1], "range": [2, 1]},
                }
            ],
            {},
            "range",
        ),
        (
            [
                {
                    "kind": "distribution",
                    "name": "x",
                    "data": {"bins": [-1], "range": [0, 1]},
                }
            ],
            {},
            "bins",
        ),
        ([{"kind": "figure", "name": "x", "data": "nope"}], {}, "Plotly"),
        ([{"kind": "text", "name": "x", "text": "a", "step": -1}], {}, "step"),
        ([{"kind": "text", "name": "", "text": "a"}], {}, "name"),
    ],
)
def test_bad_uploads_are_refused_and_write_nothing(api, objects, files, needle):
    run = make_run(api.user)
    good = {"kind": "text", "name": "fine", "text": "ok"}
    answer = _upload(api, run, [good, *objects], files)
    assert answer.status_code == 400, answer.content
    assert needle in answer.json()["error"]
    assert ObjectRecord.objects.count() == 0 and ObjectSequence.objects.count() == 0


def test_upload_needs_the_runs_owner(api, other_user):
    theirs = make_run(other_user)
    answer = _upload(api, theirs, [{"kind": "text", "name": "x", "text": "a"}])
    assert answer.status_code == 403
    assert ObjectRecord.objects.count() == 0


def test_malformed_batch_json_is_400(api):
    run = make_run(api.user)
    answer = api.post(
        f"/api/v1/runs/{run.hash}/objects", {"batch": "{nope"}, format="multipart"
    )
    assert answer.status_code == 400 and "malformed" in answer.json()["error"]


@pytest.mark.django_db(transaction=True)
def test_deleting_a_run_removes_its_files_from_disk(user):
    api = api_for(user)
    run = make_run(user, metrics={"loss": [1.0, 2.0]}, logs=["x"])
    _upload(
        api,
        run,
        [{"kind": "image", "name": "s", "file": "f0"}],
        {"f0": ("a.png", png())},
    )
    path = Path(ObjectRecord.objects.get().file.path)
    assert path.exists()
    assert api.delete(f"/api/v1/runs/{run.hash}/").status_code == 204
    assert not path.exists()
    assert not (Path(settings.MEDIA_ROOT) / "runs" / run.hash).exists()
    assert ObjectRecord.objects.count() == 0
