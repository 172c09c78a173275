import json
import posixpath
import re
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders

from media_tracks.models import ObjectRecord, ObjectSequence
from runs import ingest
from runs.models import LogLine, MetricSeries, Run
from runs.run_page import FIRST_SCREEN_POINTS, FIRST_SCREEN_SERIES, TABS
from tests.factories import make_run
from tests.helpers.clients import api_for, signed_in_client
from tests.runs.run_page_data import make_full_run

pytestmark = pytest.mark.django_db

TAB_NAMES = [name for name, _label in TABS]


def _page(client, run, tab=None):
    url = f"/runs/{run.hash}/" if tab is None else f"/runs/{run.hash}/{tab}/"
    return client.get(url)


@pytest.fixture
def full_run(user):
    return make_full_run(user)


@pytest.mark.parametrize("tab", TAB_NAMES)
def test_every_tab_renders_for_a_run_with_every_kind_of_data(user, full_run, tab):
    client = signed_in_client(user)
    answer = _page(client, full_run, tab)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'data-testid="tab-{tab}"' in html
    assert "data-empty=" not in html
    assert 'aria-current="page">' in html


@pytest.mark.parametrize("tab", [t for t in TAB_NAMES if t != "settings"])
def test_every_tab_of_an_empty_run_shows_an_empty_state(user, tab):
    run = make_run(user, status="finished")
    client = signed_in_client(user)
    answer = _page(client, run, tab)
    assert answer.status_code == 200
    assert "data-empty=" in answer.content.decode()


def test_overview_cards_show_system_params(user, full_run):
    client = signed_in_client(user)
    html = _page(client, full_run).content.decode()
    for text in [
        "--lr=0.001",
        "CUDA_VISIBLE_DEVICES",
        "package-299",
        "abc1234",
        "gpu-node-1",
        "hparams.optimizer.name",
    ]:
        assert text in html
    assert html.count("<tr>") > 300  # every package row is there


def test_metrics_tab_lists_user_series_and_system_tab_lists_system_series(
    user, full_run
):
    client = signed_in_client(user)
    metrics = _page(client, full_run, "metrics").context["series_rows"]
    system = _page(client, full_run, "system").context["series_rows"]
    assert {row["name"] for row in metrics} == {"loss", "accuracy"}
    assert {row["label"] for row in system} == {"cpu", "memory_percent"}


def test_pinned_metrics_are_marked_and_persist_through_the_api(user, full_run):
    series = MetricSeries.objects.get(run=full_run, name="accuracy")
    key = f"accuracy {series.context_key}"
    answer = api_for(user).patch(
        f"/api/v1/runs/{full_run.hash}/", {"pinned_metrics": [key]}, format="json"
    )
    assert answer.status_code == 200
    client = signed_in_client(user)
    rows = _page(client, full_run, "metrics").context["series_rows"]
    assert [row["name"] for row in rows if row["is_pinned"]] == ["accuracy"]


def test_another_user_may_not_pin_metrics(full_run, other_user):
    answer = api_for(other_user).patch(
        f"/api/v1/runs/{full_run.hash}/", {"pinned_metrics": ["x {}"]}, format="json"
    )
    assert answer.status_code == 403
    assert "error" in answer.json()
    full_run.refresh_from_db()
    assert full_run.pinned_metrics == []


def test_unknown_tab_and_unknown_run_are_404(user, full_run):
    client = signed_in_client(user)
    assert _page(client, full_run, "nope").status_code == 404
    assert client.get("/runs/" + "0" * 24 + "/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, full_run):
    answer = _page(client, full_run, "metrics")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_another_user_sees_the_run_read_only(other_user, full_run):
    client = signed_in_client(other_user)
    html = _page(client, full_run, "settings").content.decode()
    assert 'data-testid="read-only"' in html
    assert 'id="delete-button" disabled' in html
    assert 'id="run-name-edit"' not in html


def test_archive_from_settings_archives_and_unarchives(user, full_run):
    client = signed_in_client(user)
    answer = client.post(
        f"/runs/{full_run.hash}/settings/archive/", {"is_archived": "true"}
    )
    assert answer.status_code == 302 and answer["Location"].endswith(
        f"/runs/{full_run.hash}/settings/"
    )
    full_run.refresh_from_db()
    assert full_run.is_archived
    client.post(f"/runs/{full_run.hash}/settings/archive/", {"is_archived": "false"})
    full_run.refresh_from_db()
    assert not full_run.is_archived


def test_archive_needs_post(user, full_run):
    client = signed_in_client(user)
    assert client.get(f"/runs/{full_run.hash}/settings/archive/").status_code == 405
    assert client.get(f"/runs/{full_run.hash}/settings/delete/").status_code == 405


def test_another_user_may_not_archive_or_delete(other_user, full_run):
    client = signed_in_client(other_user)
    assert (
        client.post(
            f"/runs/{full_run.hash}/settings/archive/", {"is_archived": "true"}
        ).status_code
        == 403
    )
    assert client.post(f"/runs/{full_run.hash}/settings/delete/").status_code == 403
    full_run.refresh_from_db()
    assert not full_run.is_archived


def test_staff_may_archive_someone_elses_run(staff_user, full_run):
    client = signed_in_client(staff_user)
    client.post(f"/runs/{full_run.hash}/settings/archive/", {"is_archived": "true"})
    full_run.refresh_from_db()
    assert full_run.is_archived


def test_delete_from_settings_removes_rows_and_files_then_goes_to_the_explorer(
    user, full_run, django_capture_on_commit_callbacks
):
    files = [
        Path(record.file.path)
        for record in ObjectRecord.objects.filter(sequence__run=full_run).exclude(
            file=""
        )
    ]
    assert files and all(path.exists() for path in files)
    client = signed_in_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/runs/{full_run.hash}/settings/delete/")
    assert answer.status_code == 302 and answer["Location"] == "/runs/"
    assert "deleted" in str(next(iter(get_messages(answer.wsgi_request))))
    assert not Run.objects.filter(pk=full_run.pk).exists()
    assert not LogLine.objects.filter(run_id=full_run.pk).exists()
    assert not ObjectSequence.objects.filter(run_id=full_run.pk).exists()
    assert not any(path.exists() for path in files)


def test_sequence_records_page_with_offset(user, full_run):
    sequence = ObjectSequence.objects.get(run=full_run, name="samples")
    api = api_for(user)
    first = api.get(f"/api/v1/objects/sequences/{sequence.id}/records?limit=4").json()
    second = api.get(
        f"/api/v1/objects/sequences/{sequence.id}/records?limit=4&offset=4"
    ).json()
    assert first["has_more"] and second["has_more"]
    assert [(r["step"], r["index"]) for r in first["records"] + second["records"]] == [
        (0, 0),
        (0, 1),
        (0, 2),
        (10, 0),
        (10, 1),
        (10, 2),
        (20, 0),
        (20, 1),
    ]
    bad = api.get(f"/api/v1/objects/sequences/{sequence.id}/records?offset=x")
    assert bad.status_code == 400 and "error" in bad.json()


def test_sequence_records_slice_by_step_and_index(user, full_run):
    sequence = ObjectSequence.objects.get(run=full_run, name="samples")
    answer = (
        api_for(user)
        .get(
            f"/api/v1/objects/sequences/{sequence.id}/records?step_min=10&step_max=20&index_min=1&index_max=2"
        )
        .json()
    )
    assert [(r["step"], r["index"]) for r in answer["records"]] == [
        (10, 1),
        (10, 2),
        (20, 1),
        (20, 2),
    ]


def test_overview_of_a_run_without_params_shows_the_empty_state(user):
    run = make_run(user)
    client = signed_in_client(user)
    assert 'data-empty="params"' in _page(client, run).content.decode()


def _page_data(answer) -> dict:
    found = re.search(
        r'<script id="run-page-data" type="application/json">(.*?)</script>',
        answer.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def _first_points(answer) -> dict | None:
    found = re.search(
        r'<script id="run-first-points" type="application/json">(.*?)</script>',
        answer.content.decode(),
        re.S,
    )
    return json.loads(found.group(1)) if found else None


def test_the_metrics_tab_inlines_the_first_screens_points_pinned_first(user):
    run = make_run(user)
    names = [f"metric_{index:02}" for index in range(FIRST_SCREEN_SERIES + 3)]
    batch = {
        "seq": 1,
        "metrics": [
            {
                "name": name,
                "context": {},
                "steps": list(range(2000)),
                "values": [index + step / 2000 for step in range(2000)],
            }
            for index, name in enumerate(names)
        ],
    }
    ingest.apply_batch(run, ingest.parse_batch(batch))
    last = MetricSeries.objects.get(run=run, name=names[-1])
    run.pinned_metrics = [f"{last.name} {last.context_key}"]
    run.save(update_fields=["pinned_metrics"])

    page = _page(signed_in_client(user), run, "metrics")
    data = _page_data(page)
    inlined = _first_points(page)
    by_name = {row["name"]: str(row["id"]) for row in data["series_rows"]}
    expected = [names[-1], *names[: FIRST_SCREEN_SERIES - 1]]
    assert set(inlined) == {by_name[name] for name in expected}
    # The same answer the points endpoint gives the page for that resolution.
    api = api_for(user).get(
        f"/api/v1/runs/{run.hash}/metrics/{last.id}/points",
        {"max_points": FIRST_SCREEN_POINTS},
    )
    assert inlined[str(last.id)] == api.json()
    assert 2 < inlined[str(last.id)]["count"] <= FIRST_SCREEN_POINTS


def test_other_tabs_inline_no_points(user, full_run):
    assert _first_points(_page(signed_in_client(user), full_run, "overview")) is None
    system = _page(signed_in_client(user), full_run, "system")
    assert _first_points(system).keys() == {
        str(row["id"]) for row in _page_data(system)["series_rows"]
    }


def _static_import_graph(path: str) -> set[str]:
    """The static paths of a module and of every module it imports statically."""
    graph, todo = set(), [path]
    while todo:
        module = todo.pop()
        if module in graph:
            continue
        graph.add(module)
        text = Path(finders.find(module)).read_text()
        for target in re.findall(r'\bfrom\s+"(\.{1,2}/[^"]+)"', text):
            todo.append(
                posixpath.normpath(posixpath.join(posixpath.dirname(module), target))
            )
    return graph


def test_the_metrics_tab_preloads_its_chart_modules(user, full_run):
    body = _page(signed_in_client(user), full_run, "metrics").content.decode()
    preloaded = set(re.findall(r'rel="modulepreload" href="/static/([^"]+)"', body))
    # The whole graph at once: a module left out costs one more round trip.
    assert _static_import_graph("runs/js/run_tab_charts.js") <= preloaded
    assert (
        'rel="modulepreload"'
        not in _page(signed_in_client(user), full_run, "logs").content.decode()
    )
