from collections import deque

from aimsite.sdk import uploads
from aimsite.sdk.transport import RejectedError


def _items(count: int, size: int = 10) -> list:
    return [
        (
            {"kind": "image", "name": "x", "step": step, "index": 0, "format": "png"},
            b"\x89" * size,
        )
        for step in range(count)
    ]


def test_an_upload_reads_back_as_it_was_encoded_even_with_boundary_like_bytes():
    items = [
        *_items(2),
        ({"kind": "image", "name": "y", "step": 0, "index": 1}, b"\r\n--\r\n\r\nx"),
        ({"kind": "text", "name": "t", "step": 0, "index": 0, "text": "a"}, None),
    ]
    assert uploads.decode(*uploads.encode(items)) == items


def test_take_stops_at_each_limit_and_leaves_the_rest_queued():
    limits = uploads.UploadLimits(files=3, bytes=10**6, objects=1000)
    queue = deque(_items(7))
    assert [len(uploads.take(queue, limits)) for _ in range(3)] == [3, 3, 1]

    by_objects = deque(_items(5))
    assert len(uploads.take(by_objects, uploads.UploadLimits(objects=2))) == 2

    by_bytes = deque(_items(5, size=1000))
    taken = uploads.take(by_bytes, uploads.UploadLimits(bytes=2500))
    assert len(taken) == 1 and len(uploads.encode(taken)[0]) <= 2500


def test_take_sends_an_object_larger_than_any_upload_alone():
    queue = deque(_items(3, size=5000))
    assert len(uploads.take(queue, uploads.UploadLimits(bytes=1000))) == 1
    assert len(queue) == 2


def test_a_refusal_naming_an_object_splits_around_it():
    items = _items(6)
    error = RejectedError(
        400, "objects[2] is not a readable image", {"field": "objects[2]"}
    )
    parts, named = uploads.split(items, error, uploads.DEFAULT_LIMITS)
    assert parts == [items[:2], items[3:]] and named == items[2]


def test_a_refusal_naming_nothing_splits_in_halves():
    items = _items(5)
    parts, named = uploads.split(
        items, RejectedError(400, "bad"), uploads.DEFAULT_LIMITS
    )
    assert parts == [items[:2], items[2:]] and named is None


def test_a_413_splits_to_the_limits_it_named():
    items = _items(10)
    error = RejectedError(413, "at most 4 files per upload", {"limits": {"files": 4}})
    uploads.learn("http://limits.example:1", error.answer)
    limits = uploads.limits_for("http://limits.example:1/")
    assert limits == uploads.UploadLimits(files=4)
    parts, named = uploads.split(items, error, limits)
    assert [len(part) for part in parts] == [4, 4, 2] and named is None


def test_learnt_limits_are_never_above_the_sdks_nor_taken_from_nonsense():
    server = "http://limits.example:2"
    uploads.learn(server, {"limits": {"files": 10**6, "bytes": -1, "objects": "9"}})
    assert uploads.limits_for(server) == uploads.DEFAULT_LIMITS
    uploads.learn(server, {"error": "no limits here"})
    assert uploads.limits_for(server) == uploads.DEFAULT_LIMITS


def test_an_object_is_described_by_kind_name_context_step_and_index():
    record = {
        "kind": "audio",
        "name": "clips",
        "context": {"subset": "val"},
        "step": 3,
        "index": 5,
    }
    assert (
        uploads.describe([(record, b"")])
        == 'audio "clips" {"subset": "val"} step 3 index 5'
    )
    assert uploads.describe(_items(3)).startswith('3 objects (image "x" step 0 index 0')
