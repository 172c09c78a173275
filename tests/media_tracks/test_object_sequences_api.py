"""GET /api/v1/objects/sequences: every sequence of a kind that a query selects,
page by page (the SDK's `query_images` and friends)."""

import pytest

from media_tracks import services
from tests.factories import make_run

pytestmark = pytest.mark.django_db

SEQUENCES = "/api/v1/objects/sequences"


def _texts(run, name: str, context: dict, count: int = 3) -> None:
    objects = [
        {"kind": "text", "name": name, "context": context, "step": step, "index": 0}
        | {"text": f"{name} {step}"}
        for step in range(count)
    ]
    services.store_objects(run, services.parse_objects({"objects": objects}, {}))


def _all(api, params: dict) -> tuple[list[dict], int]:
    found, after, pages = [], None, 0
    while True:
        body = api.get(SEQUENCES, params | ({"after": after} if after else {}))
        assert body.status_code == 200, body.json()
        found += body.json()["sequences"]
        pages += 1
        after = body.json()["next"]
        if after is None:
            return found, pages


def test_pages_through_every_sequence_the_query_selects(api, user):
    runs = [make_run(user, params={"lr": i}) for i in range(5)]
    for run in runs:
        _texts(run, "notes", {"subset": "train"})
        _texts(run, "notes", {"subset": "val"})

    found, pages = _all(
        api, {"kind": "texts", "q": 'texts.context.subset == "val"', "limit": 2}
    )

    assert pages == 3
    assert sorted(item["run"]["hash"] for item in found) == sorted(r.hash for r in runs)
    assert {item["context"]["subset"] for item in found} == {"val"}
    assert found[0]["kind"] == "text" and found[0]["count"] == 3
    assert found[0]["first_step"] == 0 and found[0]["last_step"] == 2
    assert "records" not in found[0]


def test_only_sequences_of_the_kind_asked_for(api, user):
    _texts(make_run(user), "notes", {})

    assert _all(api, {"kind": "images"})[0] == []
    assert len(_all(api, {"kind": "texts"})[0]) == 1


def test_a_bad_query_is_a_400_with_its_position(api):
    response = api.get(SEQUENCES, {"kind": "images", "q": "images.name =="})

    assert response.status_code == 400
    assert response.json()["field"] == "q"
    assert isinstance(response.json()["position"], int)


def test_an_unknown_kind_is_a_400_naming_it(api):
    response = api.get(SEQUENCES, {"kind": "videos"})

    assert response.status_code == 400
    assert response.json()["field"] == "kind"


def test_needs_a_signed_in_user(client):
    assert client.get(SEQUENCES, {"kind": "images"}).status_code in (401, 403)
