"""The upload limits the server shares with the SDK: a clear 413 naming them, nothing written."""

import json

import pytest
import requests

from aimsite import limits
from media_tracks.models import ObjectRecord, ObjectSequence
from tests.factories import make_run, make_token, make_user
from tests.helpers.servers import ServerProcess
from tests.runs.run_page_data import png

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def owner_token(transactional_db):
    owner = make_user("uploader")
    return owner, make_token(owner)


def _post(url: str, token: str, run_hash: str, objects: list, files: dict, **kwargs):
    return requests.post(
        f"{url}/api/v1/runs/{run_hash}/objects",
        headers={"Authorization": f"Bearer {token}"},
        # Every part as a file part: requests then always sends multipart.
        files={"batch": (None, json.dumps({"objects": objects})), **files},
        timeout=60,
        **kwargs,
    )


def _images(count: int) -> tuple[list, dict]:
    content = png()
    objects = [
        {"kind": "image", "name": "x", "step": step, "file": f"f{step}"}
        for step in range(count)
    ]
    return objects, {f"f{step}": (f"{step}.png", content) for step in range(count)}


def _nothing_written() -> bool:
    return not ObjectRecord.objects.exists() and not ObjectSequence.objects.exists()


def test_the_servers_limits_default_to_the_sdks(settings):
    assert settings.AIMSITE_MAX_UPLOAD_FILES == limits.MAX_UPLOAD_FILES
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == limits.MAX_UPLOAD_FILES
    assert settings.AIMSITE_MAX_UPLOAD_BYTES == limits.MAX_UPLOAD_BYTES
    assert settings.AIMSITE_MAX_UPLOAD_OBJECTS == limits.MAX_UPLOAD_OBJECTS


def test_an_upload_of_the_most_files_allowed_is_stored(server, owner_token):
    owner, token = owner_token
    run = make_run(owner)
    answer = _post(server.url, token, run.hash, *_images(limits.MAX_UPLOAD_FILES))
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == limits.MAX_UPLOAD_FILES


def test_one_file_over_the_limit_is_a_413_naming_it_and_writes_nothing(
    server, owner_token
):
    owner, token = owner_token
    run = make_run(owner)
    answer = _post(server.url, token, run.hash, *_images(limits.MAX_UPLOAD_FILES + 1))
    assert answer.status_code == 413, answer.text
    body = answer.json()
    assert f"at most {limits.MAX_UPLOAD_FILES} files per upload" in body["error"]
    assert body["limits"] == {
        "files": limits.MAX_UPLOAD_FILES,
        "bytes": limits.MAX_UPLOAD_BYTES,
        "objects": limits.MAX_UPLOAD_OBJECTS,
    }
    assert _nothing_written()


def test_too_many_objects_is_a_413_naming_the_limit(server, owner_token):
    owner, token = owner_token
    run = make_run(owner)
    texts = [
        {"kind": "text", "name": "t", "step": step, "text": "a"}
        for step in range(limits.MAX_UPLOAD_OBJECTS + 1)
    ]
    answer = _post(server.url, token, run.hash, texts, {})
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"] == (
        f"at most {limits.MAX_UPLOAD_OBJECTS} objects per upload"
    )
    assert answer.json()["limits"]["objects"] == limits.MAX_UPLOAD_OBJECTS
    assert _nothing_written()


def test_an_upload_over_the_configured_bytes_is_a_413_and_writes_nothing(
    owner_token,
):
    owner, token = owner_token
    run = make_run(owner)
    process = ServerProcess(
        extra_env={"AIMSITE_MAX_UPLOAD_BYTES": "3000", "AIMSITE_MAX_UPLOAD_FILES": "4"}
    ).start(timeout=60, answer_timeout=5)
    try:
        small = _post(process.url, token, run.hash, *_images(2))
        assert small.status_code == 200, small.text
        over_bytes = _post(
            process.url, token, run.hash, *_with_offset(_images(20), 100)
        )
        over_files = _post(process.url, token, run.hash, *_with_offset(_images(5), 200))
    finally:
        process.stop()
    assert over_bytes.status_code == 413, over_bytes.text
    assert over_bytes.json()["error"].startswith("at most 3000 bytes per upload")
    assert over_bytes.json()["limits"] == {
        "files": 4,
        "bytes": 3000,
        "objects": limits.MAX_UPLOAD_OBJECTS,
    }
    assert over_files.status_code == 413
    assert "at most 4 files per upload" in over_files.json()["error"]
    assert ObjectRecord.objects.count() == 2


def test_an_upload_without_a_content_length_is_refused_with_411(server, owner_token):
    owner, token = owner_token
    run = make_run(owner)
    body = b"--b\r\nContent-Disposition: form-data; name=batch\r\n\r\n{}\r\n--b--\r\n"
    answer = requests.post(
        f"{server.url}/api/v1/runs/{run.hash}/objects",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "multipart/form-data; boundary=b",
        },
        data=iter([body]),  # a generator body is sent chunked, with no length
        timeout=30,
    )
    assert answer.status_code == 411, answer.text
    assert "Content-Length" in answer.json()["error"]


def test_another_users_upload_is_refused_before_its_size_is_looked_at(
    server, owner_token
):
    owner, _token = owner_token
    run = make_run(owner)
    stranger = make_token(make_user("stranger"))
    answer = _post(
        server.url, stranger, run.hash, *_images(limits.MAX_UPLOAD_FILES + 1)
    )
    assert answer.status_code == 403
    assert _nothing_written()


def _with_offset(upload: tuple[list, dict], offset: int) -> tuple[list, dict]:
    objects, files = upload
    return [{**item, "step": item["step"] + offset} for item in objects], files
