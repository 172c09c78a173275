"""GET /api/v1/objects/search against a real daphne: which sequences a query
selects, how records are sampled (steps evenly spaced, indices per step,
ranges), the answer's shape, errors and access. Data goes in through the upload
service, as the SDK's uploads do."""

import itertools

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from media_tracks import services
from media_tracks.models import ObjectSequence
from tests.factories import make_run, make_tag, make_user
from tests.helpers.clients import signed_in_session, token_session
from tests.runs.run_page_data import png

pytestmark = pytest.mark.django_db(transaction=True)

TEXT_STEPS = range(0, 80, 2)  # 40 tracked steps: 0, 2, …, 78
TEXT_INDICES = range(6)


def track(run, objects: list[dict], files: dict | None = None) -> None:
    uploads = {
        key: SimpleUploadedFile(f"{key}.png", content)
        for key, content in (files or {}).items()
    }
    for start in range(0, len(objects), 1000):  # the upload limit
        batch = {"objects": objects[start : start + 1000]}
        services.store_objects(run, services.parse_objects(batch, uploads))


def _texts(name: str, context: dict, steps=TEXT_STEPS, indices=TEXT_INDICES):
    return [
        {
            "kind": "text",
            "name": name,
            "context": context,
            "step": step,
            "index": index,
            "text": f"{name} s{step} i{index}",
        }
        for step in steps
        for index in indices
    ]


@pytest.fixture
def data(db):
    owner = make_user()
    best = make_tag("best")
    first = make_run(
        owner, experiment="mnist", name="first", params={"hparams": {"lr": 0.01}}
    )
    first.tags.add(best)
    track(first, _texts("notes", {"subset": "train"}))
    track(
        first,
        [
            {
                "kind": "image",
                "name": "samples",
                "context": {"subset": "val"},
                "step": step,
                "index": index,
                "caption": f"s{step} i{index}",
                "file": f"f{step}_{index}",
            }
            for step in (0, 10, 20)
            for index in (0, 1)
        ],
        {f"f{step}_{index}": png() for step in (0, 10, 20) for index in (0, 1)},
    )
    second = make_run(owner, name="second", params={"hparams": {"lr": 0.1}})
    track(second, _texts("other", {"subset": "val"}, steps=[5], indices=[0]))
    archived = make_run(owner, name="archived", is_archived=True)
    track(archived, _texts("notes", {"subset": "train"}, steps=[1], indices=[0]))
    return {"owner": owner, "first": first, "second": second, "archived": archived}


def _search(session, server, **params):
    return session.get(f"{server.url}/api/v1/objects/search", params=params, timeout=30)


def _is_evenly_spaced(chosen: list[int], tracked: list[int], count: int) -> bool:
    """The ground truth of Aim's step density: `count` of the tracked steps (all
    when fewer), sorted, the first and last kept, gaps between positions differing
    by at most one."""
    if len(tracked) <= count:
        return chosen == tracked
    positions = [tracked.index(step) for step in chosen]
    gaps = [b - a for a, b in itertools.pairwise(positions)]
    return (
        len(chosen) == count
        and positions[0] == 0
        and positions[-1] == len(tracked) - 1
        and max(gaps) - min(gaps) <= 1
    )


def test_a_query_selects_sequences_and_samples_steps_and_indices(server, data):
    answer = _search(
        token_session(data["owner"]),
        server,
        kind="texts",
        q='texts.context.subset == "train" and run.hparams.lr < 0.05',
        density=7,
        index_density=3,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["truncated"] is False
    [sequence] = body["sequences"]  # the archived run's "notes" stays hidden
    first = data["first"]
    assert sequence["run"] == {
        "hash": first.hash,
        "name": "first",
        "experiment": "mnist",
    }
    assert (sequence["name"], sequence["context"], sequence["kind"]) == (
        "notes",
        {"subset": "train"},
        "text",
    )
    assert (sequence["count"], sequence["first_step"], sequence["last_step"]) == (
        240,
        0,
        78,
    )
    assert sequence["max_index"] == 5
    tracked = list(TEXT_STEPS)
    assert _is_evenly_spaced(sequence["steps"], tracked, 7)
    indices = [r["index"] for r in sequence["records"] if r["step"] == 0]
    assert _is_evenly_spaced(indices, list(TEXT_INDICES), 3)
    assert [(r["step"], r["index"]) for r in sequence["records"]] == [
        (step, index) for step in sequence["steps"] for index in indices
    ]
    record = sequence["records"][0]
    assert record["text"] == f"notes s{record['step']} i{record['index']}"
    assert set(record) == {
        "id", "step", "index", "epoch", "time", "caption", "format", "text",
        "data", "width", "height", "size", "url",
    }  # fmt: skip
    assert record["url"] is None
    run = body["runs"][first.hash]
    assert run["tags"] == [
        {"id": run["tags"][0]["id"], "name": "best", "color": run["tags"][0]["color"]}
    ]
    assert run["can_edit"] is True and run["params"] == {"hparams": {"lr": 0.01}}
    assert set(run) == {
        "hash", "name", "experiment", "experiment_id", "created_at", "status",
        "is_archived", "params", "tags", "can_edit",
    }  # fmt: skip


def test_step_and_index_ranges_bound_what_is_sampled(server, data):
    body = _search(
        token_session(data["owner"]),
        server,
        kind="texts",
        q='texts.name == "notes"',
        step_min=10,
        step_max=31,
        index_min=1,
        index_max=3,
        density=50,
        index_density=5,
    ).json()
    [sequence] = body["sequences"]
    assert sequence["steps"] == list(range(10, 31, 2))  # every tracked step in range
    assert {r["index"] for r in sequence["records"]} == {1, 2, 3}
    assert len(sequence["records"]) == 11 * 3


def test_defaults_are_fifty_steps_and_five_indices(server, data):
    body = _search(token_session(data["owner"]), server, kind="texts", q="").json()
    by_name = {sequence["name"]: sequence for sequence in body["sequences"]}
    assert set(by_name) == {"notes", "other"}
    notes = by_name["notes"]
    assert notes["steps"] == list(TEXT_STEPS)  # 40 steps, fewer than 50
    indices = sorted({r["index"] for r in notes["records"]})
    assert _is_evenly_spaced(indices, list(TEXT_INDICES), 5)
    # Newest run first.
    assert [s["run"]["name"] for s in body["sequences"]] == ["second", "first"]


def test_images_come_with_their_file_and_archived_runs_on_request(server, data):
    session = signed_in_session(make_user())
    body = _search(session, server, kind="images", q='images.name == "samples"').json()
    [sequence] = body["sequences"]
    assert sequence["steps"] == [0, 10, 20]
    record = sequence["records"][0]
    assert (record["width"], record["height"], record["format"]) == (8, 6, "png")
    assert record["caption"] == "s0 i0"
    image = session.get(f"{server.url}{record['url']}", timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert body["runs"][data["first"].hash]["can_edit"] is False  # not the owner
    archived = _search(
        session, server, kind="texts", q='run.archived and texts.name == "notes"'
    ).json()
    assert [s["run"]["name"] for s in archived["sequences"]] == ["archived"]


def test_a_kind_reads_only_its_own_sequences(server, data):
    session = token_session(data["owner"])
    for kind in ("audios", "figures", "distributions"):
        body = _search(session, server, kind=kind).json()
        assert body == {"sequences": [], "runs": {}, "truncated": False, "limit": 200}


def test_more_sequences_than_the_cap_are_truncated(server, data):
    run = make_run(data["owner"], name="many")
    track(
        run,
        [
            {"kind": "text", "name": f"n{i:03}", "step": 0, "text": "x"}
            for i in range(services.MAX_SEQUENCES + 1)
        ],
    )
    body = _search(token_session(data["owner"]), server, kind="texts").json()
    assert body["truncated"] is True
    assert len(body["sequences"]) == services.MAX_SEQUENCES


@pytest.mark.parametrize(
    ("params", "field", "needle"),
    [
        ({}, "kind", "required"),
        ({"kind": "videos"}, "kind", "not a valid choice"),
        ({"kind": "images", "density": "0"}, "density", "greater than or equal to 1"),
        ({"kind": "images", "density": "x"}, "density", "valid integer"),
        ({"kind": "images", "density": "1001"}, "density", "less than or equal"),
        ({"kind": "images", "index_density": "0"}, "index_density", "greater"),
        ({"kind": "images", "index_min": "-1"}, "index_min", "greater"),
        ({"kind": "images", "step_min": "5", "step_max": "4"}, "step_max", "step_min"),
        (
            {"kind": "images", "index_min": "3", "index_max": "1"},
            "index_max",
            "index_min",
        ),
        ({"kind": "images", "step_max": str(2**64)}, "step_max", "less than"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(server, data, params, field, needle):
    answer = _search(token_session(data["owner"]), server, **params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["field"] == field
    assert body["error"].startswith(f"{field}: ") and needle in body["error"]


@pytest.mark.parametrize(
    ("query", "position", "needle"),
    [
        ("images.nme == 'x'", 7, "images fields are images.name"),
        ("run.name ==", 11, "syntax error"),
        ("metric.name == 'loss'", 0, "use the Metrics explorer"),
        ("texts.name == 'x'", 0, "use the Texts explorer"),
    ],
)
def test_query_errors_are_a_400_with_their_position(
    server, data, query, position, needle
):
    answer = _search(token_session(data["owner"]), server, kind="images", q=query)
    assert answer.status_code == 400
    body = answer.json()
    assert body["field"] == "q" and body["position"] == position
    assert needle in body["error"]


def test_anonymous_requests_get_nothing(server, data):
    answer = requests.get(
        f"{server.url}/api/v1/objects/search", params={"kind": "texts"}, timeout=10
    )
    assert answer.status_code in (401, 403)
    assert "sequences" not in answer.text


def test_the_read_is_four_queries_whatever_the_number_of_sequences(data):
    run = make_run(data["owner"], name="wide")
    track(
        run,
        [
            {"kind": "text", "name": f"n{i}", "step": step, "index": index, "text": "x"}
            for i in range(30)
            for step in range(0, 30 * (1 + i % 3), 1 + i % 3)
            for index in range(3)
        ],
    )
    assert ObjectSequence.objects.filter(kind="text").count() > 30
    window = services.RecordWindow(density=10, index_density=2)
    with CaptureQueriesContext(connection) as captured:
        found = services.search_objects("", "texts", window)
    # Sequences, their runs' tags, the tracked steps, the sampled records.
    assert len(captured.captured_queries) == 4
    assert sum(len(item.records) for item in found.sequences) > 30 * 10
    for item in found.sequences:
        assert len(item.steps) <= 10
        assert {(r["step"]) for r in item.records} <= set(item.steps)


def _names(session, server, **params):
    return session.get(f"{server.url}/api/v1/objects/names", params=params, timeout=30)


def test_names_are_the_name_context_pairs_of_the_matching_runs(server, data):
    session = token_session(data["owner"])
    answer = _names(session, server, kind="texts")
    assert answer.status_code == 200
    assert answer.json() == {
        "sequences": [
            {"name": "notes", "context": {"subset": "train"}, "runs": 1},
            {"name": "other", "context": {"subset": "val"}, "runs": 1},
        ]
    }
    # The archived run counts when the query mentions run.archived.
    answer = _names(session, server, kind="texts", q="run.archived in [True, False]")
    assert answer.json()["sequences"][0] == {
        "name": "notes",
        "context": {"subset": "train"},
        "runs": 2,
    }
    answer = _names(session, server, kind="images", q="run.hparams.lr < 0.05")
    assert answer.json() == {
        "sequences": [{"name": "samples", "context": {"subset": "val"}, "runs": 1}]
    }
    assert _names(session, server, kind="audios").json() == {"sequences": []}


@pytest.mark.parametrize(
    ("params", "status", "field", "needle"),
    [
        ({}, 400, "kind", "required"),
        ({"kind": "metrics"}, 400, "kind", "not a valid choice"),
        ({"kind": "images", "q": "images.nme == 1"}, 400, "q", "images fields"),
        ({"kind": "images", "q": "run.name =="}, 400, "q", "syntax error"),
    ],
)
def test_names_refuse_bad_input_with_a_message(
    server, data, params, status, field, needle
):
    answer = _names(token_session(data["owner"]), server, **params)
    assert answer.status_code == status
    body = answer.json()
    assert body["field"] == field and needle in body["error"]


def test_a_sequences_tracked_steps_in_order(server, data):
    session = signed_in_session(data["owner"])
    sequence = ObjectSequence.objects.get(run=data["first"], name="notes")
    url = f"{server.url}/api/v1/objects/sequences/{sequence.id}/steps"
    answer = session.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"steps": list(TEXT_STEPS)}
    missing = session.get(
        f"{server.url}/api/v1/objects/sequences/999999/steps", timeout=10
    )
    assert missing.status_code == 404
    assert requests.get(url, timeout=10).status_code in (401, 403)
    assert requests.get(
        f"{server.url}/api/v1/objects/names", params={"kind": "texts"}, timeout=10
    ).status_code in (401, 403)
