"""Full-resolution paging of a series' points (`…/points?limit=&after_step=`) and
the `metrics/series` listing: what the SDK's read-back stands on."""

import numpy as np
import pytest

from runs import ingest
from runs.metrics import CHUNK_SIZE
from runs.models import MetricSeries
from runs.points import read_points
from tests.factories import make_run

pytestmark = pytest.mark.django_db

SERIES = "/api/v1/metrics/series"


def _track(run, seq: int, steps, values=None) -> None:
    steps = list(steps)
    values = values if values is not None else [float(step) / 7 for step in steps]
    raw = {"seq": seq, "metrics": [{"name": "loss", "steps": steps, "values": values}]}
    ingest.apply_batch(run, ingest.parse_batch(raw))


def _points_url(run, series) -> str:
    return f"/api/v1/runs/{run.hash}/metrics/{series.id}/points"


def _all_pages(api, url: str, limit: int) -> tuple[list, list[int]]:
    steps, sizes, after = [], [], None
    while True:
        params = {"limit": limit} | ({"after_step": after} if after is not None else {})
        body = api.get(url, params).json()
        steps += body["steps"]
        sizes.append(len(body["steps"]))
        if len(body["steps"]) < limit:
            return steps, sizes
        after = body["steps"][-1]


def test_pages_cover_a_series_whose_chunks_arrived_out_of_order(api, user):
    run = make_run(user)
    _track(run, 1, range(0, 3 * CHUNK_SIZE))
    _track(run, 2, range(5 * CHUNK_SIZE, 5 * CHUNK_SIZE + 10))
    _track(run, 3, range(3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 10))  # a late batch
    series = MetricSeries.objects.get(run=run)

    steps, sizes = _all_pages(api, _points_url(run, series), limit=3000)

    assert steps == read_points(series).steps.tolist()
    assert sizes[:4] == [3000, 3000, 3000, 3000]


def test_a_page_keeps_every_point_of_its_last_step(api, user):
    run = make_run(user)
    _track(run, 1, [0, 1, 1, 1, 2], [0.0, 1.0, 1.5, 2.0, 3.0])
    series = MetricSeries.objects.get(run=run)
    url = _points_url(run, series)

    first = api.get(url, {"limit": 2}).json()
    rest = api.get(url, {"limit": 2, "after_step": 1}).json()

    assert first["steps"] == [0, 1, 1, 1]
    assert first["values"] == [0.0, 1.0, 1.5, 2.0]
    assert rest["steps"] == [2]


def test_a_page_carries_every_column(api, user):
    run = make_run(user)
    raw = {
        "seq": 1,
        "metrics": [
            {
                "name": "loss",
                "steps": [0, 1, 2],
                "values": [0.5, float("nan"), 0.25],
                "epochs": [0, 0, 1],
                "times": [1767225600.0, 1767225601.0, 1767225602.5],
            }
        ],
    }
    ingest.apply_batch(run, ingest.parse_batch(raw))
    series = MetricSeries.objects.get(run=run)

    body = api.get(_points_url(run, series), {"limit": 2, "after_step": 0}).json()

    assert body["steps"] == [1, 2]
    assert body["values"] == [None, 0.25]
    assert body["epochs"] == [0, 1]
    assert np.allclose(body["times"], [1767225601.0, 1767225602.5])


def test_infinities_are_strings_when_asked_for(api, user):
    run = make_run(user)
    inf, nan = float("inf"), float("nan")
    _track(run, 1, [0, 1, 2, 3], [inf, -inf, nan, 1.5])
    url = _points_url(run, MetricSeries.objects.get(run=run))

    as_strings = api.get(url, {"limit": 10, "nonfinite": "strings"}).json()
    as_null = api.get(url, {"limit": 10}).json()
    refused = api.get(url, {"nonfinite": "tokens"})

    assert as_strings["values"] == ["Infinity", "-Infinity", None, 1.5]
    assert as_null["values"] == [None, None, None, 1.5]
    assert refused.status_code == 400 and refused.json()["field"] == "nonfinite"


def test_a_page_with_max_points_is_downsampled_keeping_its_ends(api, user):
    run = make_run(user)
    _track(run, 1, range(1000))
    url = _points_url(run, MetricSeries.objects.get(run=run))

    body = api.get(url, {"limit": 500, "after_step": 99, "max_points": 50}).json()

    assert len(body["steps"]) <= 50
    assert body["steps"][0] == 100 and body["steps"][-1] == 599


@pytest.mark.parametrize("limit", ["0", "100001", "ten"])
def test_a_bad_limit_is_a_400_naming_it(api, user, limit):
    run = make_run(user, metrics={"loss": [1.0]})
    series = MetricSeries.objects.get(run=run)

    response = api.get(_points_url(run, series), {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()["error"]


def test_series_listing_pages_through_every_matching_series(api, user, other_user):
    runs = [
        make_run(user, name=f"run {i}", params={"lr": i}, metrics={"loss": [1.0]})
        for i in range(5)
    ]
    make_run(other_user, metrics={"acc": [0.5], "__system__cpu": [3.0]})

    found, after, pages = [], None, 0
    while True:
        params = {"q": 'metric.name == "loss"', "limit": 2}
        body = api.get(SERIES, params | ({"after": after} if after else {})).json()
        found += body["series"]
        pages += 1
        after = body["next"]
        if after is None:
            break

    assert pages == 3
    assert sorted(item["run"]["hash"] for item in found) == sorted(
        run.hash for run in runs
    )
    item = found[0]
    assert set(item) >= {"id", "name", "context", "count", "first_step", "last_step"}
    assert item["run"]["experiment"] == "default"
    assert "steps" not in item


def test_series_listing_leaves_out_system_series_and_archived_runs(api, user):
    make_run(user, metrics={"loss": [1.0], "__system__cpu": [3.0]})
    make_run(user, metrics={"loss": [2.0]}, is_archived=True)

    names = [item["name"] for item in api.get(SERIES).json()["series"]]

    assert names == ["loss"]


def test_series_listing_answers_a_bad_query_with_its_position(api):
    response = api.get(SERIES, {"q": "metric.name == "})

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "q"
    assert isinstance(body["position"], int)


def test_series_listing_needs_a_signed_in_user(client):
    assert client.get(SERIES).status_code in (401, 403)
