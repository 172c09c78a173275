"""`metrics/search` in binary (issue 18 point 1, the explorers' chart data):
`Accept: application/x-npz` answers NumPy arrays in a zip, equal to the JSON
answer; JSON stays the default, and a refusal stays JSON."""

import io
import json
import math

import numpy as np
import pytest

from runs import ingest
from tests.factories import make_run

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/metrics/search"
NPZ = "application/x-npz"


def _seed(user):
    run = make_run(user, name="weird", params={"lr": 0.1})
    steps = [0, 1, 2, 3, 2**40]
    batch = {
        "seq": 1,
        "metrics": [
            {
                "name": "loss",
                "steps": steps,
                "values": [1.0, math.nan, math.inf, -math.inf, 0.25],
                "epochs": [0, 0, 1, 1, 2],
                "times": [1000.0, 1001.0, 1002.0, 1003.0, 1004.0],
            },
            {"name": "lr", "steps": steps, "values": [5.0, 4.0, 3.0, 2.0, 1.0]},
            {
                "name": "acc",
                "context": {"subset": "val"},
                "steps": [7],
                "values": [0.5],
            },
        ],
    }
    ingest.apply_batch(run, ingest.parse_batch(batch))
    make_run(user, name="plain", metrics={"loss": [0.9, 0.8, 0.7]})
    return run


def _npz(response) -> tuple[dict, dict[str, np.ndarray]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == NPZ
    with np.load(io.BytesIO(response.content), allow_pickle=False) as archive:
        files = {name: archive[name] for name in archive.files}
    return json.loads(files.pop("search.json")), files


def _as_json_numbers(column: np.ndarray) -> list:
    return [value if math.isfinite(value) else None for value in column.tolist()]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": 'metric.name == "loss"', "points": 10},
        {"x": "metric", "x_metric": "lr"},
        {"x": "relative_time", "fields": "values"},
        {"fields": "values,steps"},
    ],
)
def test_npz_holds_the_json_answer(api, user, params):
    _seed(user)
    as_json = api.get(SEARCH, params).json()

    meta, columns = _npz(api.get(SEARCH, params, HTTP_ACCEPT=NPZ))

    offsets = columns.pop("offsets")
    assert offsets.dtype == np.int64
    assert len(offsets) == len(as_json["series"]) + 1
    for key in ("runs", "truncated", "limit"):
        assert meta[key] == as_json[key]
    names = {name for series in as_json["series"] for name in series} & {
        "steps",
        "values",
        "epochs",
        "times",
        "x",
    }
    assert set(columns) == names
    assert "steps" not in columns or columns["steps"].dtype == np.int64
    for index, series in enumerate(as_json["series"]):
        start, end = offsets[index], offsets[index + 1]
        described = meta["series"][index]
        assert described == {key: series[key] for key in described}
        assert set(series) - set(described) == names
        for name in names:
            part = columns[name][start:end]
            if name == "steps":
                assert part.tolist() == series[name]
            else:
                assert _as_json_numbers(part) == series[name]


def test_npz_keeps_nan_and_infinity_as_tracked(api, user):
    run = _seed(user)

    _, columns = _npz(
        api.get(SEARCH, {"q": f'run.hash == "{run.hash}" and metric.name == "loss"'},
                HTTP_ACCEPT=NPZ)
    )  # fmt: skip

    assert columns["steps"].tolist() == [0, 1, 2, 3, 2**40]
    values = columns["values"]
    assert values[0] == 1.0 and np.isnan(values[1])
    assert values[2] == math.inf and values[3] == -math.inf
    assert columns["epochs"].tolist() == [0, 0, 1, 1, 2]


def test_no_series_is_an_archive_of_empty_columns(api, user):
    _seed(user)

    meta, columns = _npz(
        api.get(SEARCH, {"q": 'metric.name == "nothing"'}, HTTP_ACCEPT=NPZ)
    )

    assert meta["series"] == []
    assert columns["offsets"].tolist() == [0]
    assert all(len(columns[name]) == 0 for name in ("steps", "values"))


def test_json_stays_the_default(api, user):
    _seed(user)

    for accept in (None, "*/*", "application/json"):
        extra = {"HTTP_ACCEPT": accept} if accept else {}
        response = api.get(SEARCH, **extra)
        assert response["Content-Type"] == "application/json"
        assert response.json()["series"]


def test_a_refusal_under_npz_is_json(api, user, client):
    _seed(user)

    bad_points = api.get(SEARCH, {"points": 1}, HTTP_ACCEPT=NPZ)
    assert bad_points.status_code == 400
    assert bad_points["Content-Type"].startswith("application/json")
    assert "points" in bad_points.json()["error"]

    bad_query = api.get(SEARCH, {"q": "run.lr >"}, HTTP_ACCEPT=NPZ)
    assert bad_query.status_code == 400
    assert bad_query["Content-Type"].startswith("application/json")
    assert "position" in bad_query.json()

    anonymous = client.get(SEARCH, HTTP_ACCEPT=NPZ)
    assert anonymous.status_code in (401, 403)
    assert anonymous["Content-Type"].startswith("application/json")
