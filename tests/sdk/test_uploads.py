"""Every tracked object arrives: uploads fit the limits the server shares with the SDK,
a refused upload is split, and what the server still refuses is kept for `aimsite sync`."""

import warnings

import numpy as np
import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from aimsite.sdk import AimsiteWarning, Audio, Image, Run, uploads
from aimsite.sdk.courier import Parcel, courier
from aimsite.sdk.spool import Request, SpoolWriter
from tests.factories import make_run
from tests.helpers.servers import PatientServer

pytestmark = pytest.mark.django_db(transaction=True)


def _tiny_images(count: int, seed: int = 0) -> list[Image]:
    pixels = np.random.default_rng(seed).integers(0, 255, (count, 8, 8, 3), np.uint8)
    return [Image(array) for array in pixels]


def _clips(count: int) -> list[Audio]:
    wave = np.sin(np.linspace(0, 40, 400))
    return [Audio(wave * (index % 10) / 10, rate=8000) for index in range(count)]


def _object_counts(server_url: str, token: str, run_hash: str) -> dict[tuple, int]:
    """(kind, name, subset) → records stored, as the API reports them."""
    answer = requests.get(
        f"{server_url}/api/v1/runs/{run_hash}/objects",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    answer.raise_for_status()
    return {
        (item["kind"], item["name"], item["context"].get("subset")): item["count"]
        for item in answer.json()
    }


def _messages(caught: list) -> list[str]:
    """The SDK's warnings among those caught (a test server's log file may add its own)."""
    return [str(w.message) for w in caught if issubclass(w.category, AimsiteWarning)]


def _upload_request(run_hash: str, items: list) -> Request:
    body, content_type = uploads.encode(items)
    return Request("POST", f"/api/v1/runs/{run_hash}/objects", body, content_type)


def _image_items(count: int, name: str = "samples") -> list:
    return [
        (
            {"kind": "image", "name": name, "step": step, "index": 0, "format": "png"},
            image.content,
        )
        for step, image in enumerate(_tiny_images(count, seed=count))
    ]


@pytest.fixture
def limited_server(transactional_db):
    """A daphne with lower upload limits than the SDK's; restartable on its port."""
    process = PatientServer(
        extra_env={"AIMSITE_MAX_UPLOAD_FILES": "16", "AIMSITE_MAX_UPLOAD_BYTES": "8000"}
    ).start()
    yield process
    process.stop()
    # Limits the SDK learnt from it must not shape a later server on this port.
    uploads._learned.pop(process.url, None)


def test_a_thousand_images_tracked_one_per_call_all_arrive(server, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    for step, image in enumerate(_tiny_images(1000)):
        run.track(image, name="samples", step=step)
    run.close(wait=True)
    assert _object_counts(server.url, token, run.hash) == {
        ("image", "samples", None): 1000
    }


def test_lists_of_64_images_per_call_all_arrive_as_in_aims_example(
    server, token, quiet
):
    run = Run(server=server.url, token=token, **quiet)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(3):
            for subset in ("train", "val"):
                batch = _tiny_images(64, seed=step * 2 + (subset == "val"))
                run.track(batch, name="images", step=step, context={"subset": subset})
        run.close(wait=True)
    assert not _messages(caught)
    assert _object_counts(server.url, token, run.hash) == {
        ("image", "images", "train"): 192,
        ("image", "images", "val"): 192,
    }


def test_three_hundred_audio_clips_in_one_run_all_arrive(server, token, quiet):
    run = Run(server=server.url, token=token, **quiet)
    clips = _clips(300)
    run.track(clips[:150], name="clips", step=0)
    for step, clip in enumerate(clips[150:], start=1):
        run.track(clip, name="clips", step=step)
    run.close(wait=True)
    assert _object_counts(server.url, token, run.hash) == {
        ("audio", "clips", None): 300
    }


def test_a_server_with_lower_limits_gets_every_object_in_uploads_that_fit(
    limited_server, token, quiet
):
    run = Run(server=limited_server.url, token=token, **quiet)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.track(_tiny_images(100), name="samples", step=0)
        run.track(_clips(20), name="clips", step=0)
        run.close(wait=True)
    assert not _messages(caught)
    assert _object_counts(limited_server.url, token, run.hash) == {
        ("image", "samples", None): 100,
        ("audio", "clips", None): 20,
    }
    # The 413 named the server's limits, and the SDK packs to them from now on.
    assert uploads.limits_for(limited_server.url) == uploads.UploadLimits(
        files=16, bytes=8000, objects=1000
    )


def test_a_corrupt_image_is_kept_and_named_while_the_rest_of_its_upload_arrives(
    server, token, quiet, spool_dir, capsys
):
    run = Run(server=server.url, token=token, **quiet)
    images = _tiny_images(10)
    images[4] = Image(b"these bytes are no image")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.track(images, name="samples", step=7, context={"subset": "val"})
        run.close(wait=True)
    assert _object_counts(server.url, token, run.hash) == {
        ("image", "samples", "val"): 9
    }
    [kept] = spool_dir.glob("*.refused")
    [message] = _messages(caught)
    assert f"of run {run.hash}" in message
    assert 'image "samples" {"subset": "val"} step 7 index 4' in message
    assert "not a readable image" in message and str(kept) in message
    assert not list(spool_dir.glob("*.spool"))

    # Refused again: `aimsite sync` says so and keeps it; nothing loops or is lost.
    with pytest.raises(CommandError, match="still refuses") as refusal:
        call_command("sync", server=server.url, token=token, spool_dir=str(spool_dir))
    assert str(kept) in str(refusal.value)
    reported = capsys.readouterr().err
    assert 'image "samples" {"subset": "val"} step 7 index 4' in reported
    assert "not a readable image" in reported
    assert list(spool_dir.glob("*.refused")) == [kept]
    assert _object_counts(server.url, token, run.hash)[("image", "samples", "val")] == 9


def test_objects_refused_over_a_limit_arrive_with_aimsite_sync_once_it_is_raised(
    limited_server, token, quiet, spool_dir, capsys
):
    run = Run(server=limited_server.url, token=token, **quiet)
    large = Image(np.random.default_rng(1).integers(0, 255, (64, 64, 3), np.uint8))
    assert len(large.content) > 8000  # more than the server takes in one upload
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run.track([*_tiny_images(20), large], name="samples", step=0)
        run.close(wait=True)
    assert _object_counts(limited_server.url, token, run.hash) == {
        ("image", "samples", None): 20
    }
    [message] = _messages(caught)
    assert 'image "samples" step 0 index 20' in message
    assert "at most 8000 bytes per upload" in message
    assert len(list(spool_dir.glob("*.refused"))) == 1

    limited_server.stop()  # the operator raises the limit
    raised = PatientServer(port=limited_server.port).start()
    try:
        call_command("sync", server=raised.url, token=token, spool_dir=str(spool_dir))
        assert _object_counts(raised.url, token, run.hash) == {
            ("image", "samples", None): 21
        }
    finally:
        raised.stop()
    assert "Sent 1 spool file(s), 1 request(s)" in capsys.readouterr().out
    assert not list(spool_dir.glob("*.refused"))


def test_the_courier_splits_a_parcels_upload_over_the_servers_limit(
    limited_server, owner, token, spool_dir
):
    run_hash = make_run(owner).hash
    parcel = Parcel(
        limited_server.url,
        token,
        spool_dir,
        run_hash,
        [_upload_request(run_hash, _image_items(40))],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        courier.submit(parcel)
        assert parcel.done.wait(60)
    assert not _messages(caught)
    assert _object_counts(limited_server.url, token, run_hash) == {
        ("image", "samples", None): 40
    }
    assert not list(spool_dir.iterdir())


@pytest.mark.parametrize("resender", ["aimsite sync", "the next Run"])
def test_a_spool_file_holding_an_upload_over_the_limit_is_sent_whole(
    server, owner, token, spool_dir, quiet, resender
):
    # Left by an SDK that packed 300 files into one upload, then was killed.
    run_hash = make_run(owner).hash
    writer = SpoolWriter(spool_dir, server.url, run_hash)
    writer.append(_upload_request(run_hash, _image_items(300)))
    writer.release()

    if resender == "aimsite sync":
        call_command("sync", server=server.url, token=token, spool_dir=str(spool_dir))
    else:
        Run(server=server.url, token=token, **quiet).close(wait=True)
    assert _object_counts(server.url, token, run_hash) == {
        ("image", "samples", None): 300
    }
    assert not list(spool_dir.glob("*.spool"))
    assert not list(spool_dir.glob("*.refused"))
