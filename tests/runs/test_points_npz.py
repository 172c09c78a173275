"""The points endpoint's binary columns (issue 18, point 1): `Accept:
application/x-npz` answers NumPy `.npy` arrays in a zip, equal to the JSON
columns; JSON stays the default, and a refusal stays JSON."""

import io
import math

import numpy as np
import pytest
import requests

from runs import ingest
from runs.models import MetricSeries
from tests.factories import make_run, make_token, make_user

pytestmark = pytest.mark.django_db(transaction=True)

NPZ = "application/x-npz"


def _seed():
    user = make_user()
    run = make_run(user)
    steps = list(range(0, 3000, 3))
    values = [math.sin(step / 50) for step in steps]
    values[5], values[6] = math.inf, -math.inf
    raw = {
        "seq": 1,
        "metrics": [
            {
                "name": "loss",
                "steps": steps,
                "values": values,
                "epochs": [step // 1000 for step in steps],
            },
            {"name": "acc", "steps": [1, 2], "values": [0.5, math.nan]},
        ],
    }
    ingest.apply_batch(run, ingest.parse_batch(raw))
    token = make_token(user)
    return run, {"Authorization": f"Bearer {token}"}


def _get(server, run, series, headers, **params):
    url = f"{server.url}/api/v1/runs/{run.hash}/metrics/{series.id}/points"
    return requests.get(url, params=params, headers=headers, timeout=10)


def _columns(answer) -> dict[str, np.ndarray]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == NPZ
    with np.load(io.BytesIO(answer.content), allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


@pytest.mark.parametrize(
    "params",
    [{}, {"max_points": 100}, {"limit": 250, "after_step": 30}, {"after_step": 2000}],
)
def test_npz_columns_equal_the_json_columns(server, params):
    run, auth = _seed()
    series = MetricSeries.objects.get(run=run, name="loss")

    as_json = _get(server, run, series, auth, nonfinite="strings", **params).json()
    columns = _columns(_get(server, run, series, auth | {"Accept": NPZ}, **params))

    assert sorted(columns) == ["epochs", "steps", "times", "values"]
    assert columns["steps"].dtype == np.int64
    assert columns["steps"].tolist() == as_json["steps"]
    expected = np.array(
        [
            {"Infinity": math.inf, "-Infinity": -math.inf}.get(v, v)
            for v in as_json["values"]
        ],
        dtype=np.float64,
    )
    np.testing.assert_array_equal(columns["values"], expected)
    np.testing.assert_array_equal(columns["epochs"], np.array(as_json["epochs"], float))
    np.testing.assert_array_equal(
        columns["times"], np.array(as_json["times"], dtype=float)
    )
    assert len(columns["steps"]) == as_json["count"]


def test_absent_epochs_and_nan_values_are_nan(server):
    run, auth = _seed()
    series = MetricSeries.objects.get(run=run, name="acc")

    columns = _columns(_get(server, run, series, auth | {"Accept": NPZ}))

    assert columns["steps"].tolist() == [1, 2]
    assert columns["values"][0] == 0.5 and np.isnan(columns["values"][1])
    assert np.isnan(columns["epochs"]).all()


def test_json_stays_the_default(server):
    run, auth = _seed()
    series = MetricSeries.objects.get(run=run, name="loss")

    for accept in (None, "*/*", "application/json"):
        headers = auth | ({"Accept": accept} if accept else {})
        answer = _get(server, run, series, headers, max_points=10)
        assert answer.headers["Content-Type"] == "application/json"
        assert len(answer.json()["steps"]) >= 10


def test_a_refusal_under_npz_is_json_naming_the_problem(server):
    run, auth = _seed()
    series = MetricSeries.objects.get(run=run, name="loss")
    headers = auth | {"Accept": NPZ}

    bad = _get(server, run, series, headers, limit=0)
    assert bad.status_code == 400
    assert bad.headers["Content-Type"].startswith("application/json")
    assert "limit" in bad.text

    missing = _get(server, run, series, headers | {"Authorization": ""})
    assert missing.status_code in (401, 403)

    url = f"{server.url}/api/v1/runs/{run.hash}/metrics/999999/points"
    absent = requests.get(url, headers=headers, timeout=10)
    assert absent.status_code == 404
    assert absent.headers["Content-Type"].startswith("application/json")


def test_an_unknown_media_type_is_refused(server):
    run, auth = _seed()
    series = MetricSeries.objects.get(run=run, name="loss")

    answer = _get(server, run, series, auth | {"Accept": "application/x-nothing"})

    assert answer.status_code == 406


def test_a_downsampled_long_series_is_read_from_its_overview(server):
    """`max_points` over a whole series reads the overview kept at ingest (about
    2k points) instead of every chunk: the spike and both ends survive, in JSON
    and npz alike."""
    from runs import overview as overviews
    from runs.points import read_points

    user = make_user()
    run = make_run(user)
    steps = list(range(50_000))
    values = [1.0] * 50_000
    values[31_337] = 99.0
    values[777] = -5.0
    raw = {"seq": 1, "metrics": [{"name": "loss", "steps": steps, "values": values}]}
    ingest.apply_batch(run, ingest.parse_batch(raw))
    series = MetricSeries.objects.get(run=run)
    auth = {"Authorization": f"Bearer {make_token(user)}"}
    expected = overviews.serving_sample(series.overview, series.count, 500)
    assert expected is not None and len(expected) <= 502

    as_json = _get(server, run, series, auth, max_points=500).json()
    columns = _columns(
        _get(server, run, series, auth | {"Accept": NPZ}, max_points=500)
    )

    assert as_json["steps"] == expected.steps.tolist() == columns["steps"].tolist()
    assert {0, 777, 31_337, 49_999} <= set(as_json["steps"])
    assert max(as_json["values"]) == 99.0 and min(as_json["values"]) == -5.0
    # Paging (after_step) still reads the chunks: every point after the step.
    tail = _get(server, run, series, auth, after_step=49_000).json()
    assert tail["steps"] == read_points(series, after_step=49_000).steps.tolist()
