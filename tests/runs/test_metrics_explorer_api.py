import math

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from runs import ingest
from runs.explorers.metrics import MAX_SERIES
from runs.metrics import CHUNK_SIZE, downsample
from runs.points import read_points
from tests.factories import make_run, make_tag
from tests.helpers.clients import token_session

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/metrics/search"
AGGREGATE = "/api/v1/metrics/aggregate"
NAMES = "/api/v1/metrics/names"


def _track(run, seq: int, *series: dict) -> None:
    raw = {"seq": seq, "metrics": list(series)}
    ingest.apply_batch(run, ingest.parse_batch(raw))


def _series(name: str, values, steps=None, context=None, **columns) -> dict:
    # The wire format takes plain lists of Python numbers.
    values = np.asarray(values, dtype=np.float64).tolist()
    return {
        "name": name,
        "context": context or {},
        "steps": np.asarray(
            steps if steps is not None else range(len(values)), dtype=np.int64
        ).tolist(),
        "values": values,
        **columns,
    }


def _by_name(body: dict) -> dict:
    return {(item["run"]["name"], item["name"]): item for item in body["series"]}


# -- search ---------------------------------------------------------------------


def test_search_answers_series_with_their_runs(api, user, other_user):
    tag = make_tag("baseline")
    mine = make_run(
        user,
        name="mine",
        experiment="mnist",
        params={"hparams": {"lr": 0.1}},
        metrics={"loss": [0.9, math.nan, 0.5], ("acc", '{"subset": "val"}'): [0.1]},
    )
    mine.tags.add(tag)
    theirs = make_run(other_user, name="theirs", metrics={"loss": [1.0, 0.8]})
    make_run(user, name="system only", metrics={"__system__cpu": [10.0]})

    response = api.get(SEARCH)

    assert response.status_code == 200
    body = response.json()
    assert body["truncated"] is False
    assert body["limit"] == MAX_SERIES
    series = _by_name(body)
    assert set(series) == {("mine", "loss"), ("mine", "acc"), ("theirs", "loss")}
    loss = series["mine", "loss"]
    assert loss["run"] == {"hash": mine.hash, "name": "mine", "experiment": "mnist"}
    assert loss["context"] == {}
    assert loss["count"] == 3
    assert loss["last"] == 0.5
    assert loss["last_step"] == 2
    assert loss["steps"] == [0, 1, 2]
    assert loss["values"] == [0.9, None, 0.5]
    assert loss["epochs"] == [None, None, None]
    assert "x" not in loss  # x=step: x is the steps column
    assert series["mine", "acc"]["context"] == {"subset": "val"}
    assert body["runs"][mine.hash] == {
        "hash": mine.hash,
        "name": "mine",
        "experiment": "mnist",
        "experiment_id": mine.experiment_id,
        "created_at": mine.created_at.isoformat(),
        "status": "active",
        "is_archived": False,
        "params": {"hparams": {"lr": 0.1}},
        "tags": [{"id": tag.id, "name": "baseline", "color": tag.color}],
        "can_edit": True,
    }
    assert body["runs"][theirs.hash]["can_edit"] is False
    assert len(body["runs"]) == 2


def test_search_applies_the_query_and_hides_archived_runs(api, user):
    make_run(user, name="fast", params={"lr": 0.1}, metrics={"loss": [1.0]})
    make_run(user, name="slow", params={"lr": 0.001}, metrics={"loss": [1.0]})
    make_run(user, name="gone", params={"lr": 0.1}, metrics={"loss": [1.0]},
             is_archived=True)  # fmt: skip

    names = [
        s["run"]["name"]
        for s in api.get(SEARCH, {"q": "run.lr > 0.01"}).json()["series"]
    ]

    assert names == ["fast"]


def _timed_run(user):
    run = make_run(user, name="timed")
    steps = np.arange(10)
    _track(
        run,
        1,
        _series(
            "loss",
            np.linspace(1, 0.1, 10),
            steps,
            epochs=(steps // 5).tolist(),
            times=(1000.0 + 2 * steps).tolist(),
        ),
        # A series whose first point comes later: its relative time still counts
        # from the run's first point.
        _series("acc", [0.5, 0.6], [4, 5], times=[1010.0, 1012.0]),
    )
    return run


@pytest.mark.parametrize(
    ("axis", "loss_x", "acc_x"),
    [
        ("step", list(range(10)), [4, 5]),
        ("epoch", [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], []),
        ("relative_time", [2.0 * step for step in range(10)], [10.0, 12.0]),
        ("absolute_time", [1000.0 + 2 * step for step in range(10)], [1010.0, 1012.0]),
    ],
)
def test_search_aligns_x(api, user, axis, loss_x, acc_x):
    _timed_run(user)

    series = _by_name(api.get(SEARCH, {"x": axis}).json())

    x_of = lambda item: item.get("x", item["steps"])  # noqa: E731 - x=step sends no x
    assert x_of(series["timed", "loss"]) == loss_x
    # acc has no epochs: without an x its points are left out, columns stay parallel.
    acc = series["timed", "acc"]
    assert x_of(acc) == acc_x
    assert len(acc["steps"]) == len(acc["values"]) == len(acc["times"]) == len(acc_x)


def test_search_aligns_on_a_custom_metric(api, user):
    run = make_run(user, name="custom")
    _track(
        run,
        1,
        _series("loss", [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]),
        # The x metric is logged at even steps only, and decreasing.
        _series("lr", [5.0, 3.0, 1.0], [0, 2, 4]),
        _series("lr", [9.0], [1], context={"subset": "other"}),
    )

    body = api.get(SEARCH, {"x": "metric", "x_metric": "lr", "q": ""}).json()
    loss = _by_name(body)["custom", "loss"]

    # Points without an lr value at their step are dropped; the rest run along x.
    assert loss["x"] == [1.0, 3.0, 5.0]
    assert loss["steps"] == [4, 2, 0]
    assert loss["values"] == [0.5, 0.7, 0.9]

    other = api.get(
        SEARCH, {"x": "metric", "x_metric": "lr", "x_context": '{"subset": "other"}'}
    ).json()
    assert _by_name(other)["custom", "loss"]["steps"] == [1]


def test_custom_metric_alignment_over_many_chunks_matches_numpy(api, user):
    # Long series (overviews not exact, x read from its chunks), an x metric logged
    # at irregular steps, and a batch of x resent late over steps it already had:
    # the first value logged at a step wins, as when every point is read.
    rng = np.random.default_rng(5)
    count = 3 * CHUNK_SIZE + 100
    run = make_run(user, name="long")
    x_steps = np.sort(rng.choice(count, count // 2, replace=False))
    x_values = rng.normal(0, 1, len(x_steps))
    _track(run, 1, _series("loss", rng.normal(0, 1, count)))
    half = len(x_steps) // 2
    _track(run, 2, _series("lr", x_values[half:], x_steps[half:]))
    _track(run, 3, _series("lr", x_values[:half], x_steps[:half]))
    _track(run, 4, _series("lr", x_values[:50] + 100, x_steps[:50]))

    loss = _by_name(
        api.get(SEARCH, {"x": "metric", "x_metric": "lr", "points": 300}).json()
    )["long", "loss"]

    plain = _by_name(api.get(SEARCH, {"points": 300}).json())["long", "loss"]
    lr = run.metrics.get(name="lr")
    every = read_points(lr)  # every x point, in step order (stable: first logged first)
    first = np.unique(every.steps, return_index=True)[1]
    truth = dict(
        zip(every.steps[first].tolist(), every.values[first].tolist(), strict=True)
    )
    expected = sorted(
        (truth[step], step, value)
        for step, value in zip(plain["steps"], plain["values"], strict=True)
        if step in truth
    )
    assert len(expected) > 50
    got = sorted(zip(loss["x"], loss["steps"], loss["values"], strict=True))
    assert got == expected


def test_search_downsampling_keeps_extremes(api, user):
    rng = np.random.default_rng(7)
    count = 50_000
    values = rng.normal(0, 1, count)
    values[12_345] = 40.0
    values[33_333] = -40.0
    values[777] = math.nan
    run = make_run(user, name="long")
    for seq, start in enumerate(range(0, count, 7_000), start=1):
        part = slice(start, start + 7_000)
        _track(run, seq, _series("loss", values[part], np.arange(count)[part]))

    for points in (100, 500, 5000):  # 5000 reads the chunks, the others the overview
        loss = api.get(SEARCH, {"points": points}).json()["series"][0]
        steps = loss["steps"]
        assert len(steps) <= points + 2
        assert steps == sorted(steps)
        assert {0, count - 1, 12_345, 33_333} <= set(steps)
        finite = [value for value in loss["values"] if value is not None]
        assert max(finite) == 40.0
        assert min(finite) == -40.0

    # At 5000 points the answer is exactly the raw downsampling of every point.
    series = run.metrics.get()
    raw = downsample(read_points(series), 5000)
    loss = api.get(SEARCH, {"points": 5000}).json()["series"][0]
    assert loss["steps"] == raw.steps.tolist()


def test_search_caps_the_number_of_series(api, user):
    run = make_run(user, name="wide")
    names = [f"m{index:04d}" for index in range(MAX_SERIES + 1)]
    _track(run, 1, *(_series(name, [1.0]) for name in names))

    body = api.get(SEARCH).json()

    assert body["truncated"] is True
    assert len(body["series"]) == MAX_SERIES
    assert [item["name"] for item in body["series"]] == names[:MAX_SERIES]


def test_search_query_count_does_not_grow_with_series(api, user):
    def count_queries(params: dict) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(SEARCH, params).status_code == 200
            assert (
                api.get(AGGREGATE, {**params, "group": "run.tags"}).status_code == 200
            )
        return len(queries)

    def add_runs(how_many: int) -> None:
        for _ in range(how_many):
            run = make_run(user, metrics={"loss": [1.0, 0.5], "acc": [0.1, 0.2]})
            run.tags.add(make_tag())
            # One series long enough to be read from its chunks at points=5000.
            _track(run, 1, _series("long", np.ones(CHUNK_SIZE + 10)))

    shapes = [
        {},
        {"x": "relative_time"},
        {"x": "metric", "x_metric": "acc"},
        {"points": 5000},
    ]
    add_runs(2)
    api.get(SEARCH)  # the token's first use records its last-used time once
    few = [count_queries(params) for params in shapes]
    add_runs(5)
    many = [count_queries(params) for params in shapes]

    assert few == many


# -- names ----------------------------------------------------------------------


def test_names_lists_name_context_pairs_with_run_counts(api, user):
    make_run(user, metrics={"loss": [1.0], ("loss", '{"subset": "val"}'): [1.0]})
    make_run(user, metrics={"loss": [1.0], "acc": [0.5], "__system__cpu": [3.0]})
    make_run(user, metrics={"hidden": [1.0]}, is_archived=True)
    make_run(user, params={"lr": 1}, metrics={"other": [1.0]})

    response = api.get(NAMES, {"q": "run.lr != 1"})

    assert response.status_code == 200
    assert response.json() == {
        "metrics": [
            {"name": "acc", "context": {}, "runs": 1},
            {"name": "loss", "context": {}, "runs": 2},
            {"name": "loss", "context": {"subset": "val"}, "runs": 1},
        ]
    }


# -- aggregate ------------------------------------------------------------------


def _seed_runs(user, rows: np.ndarray) -> None:
    for index, row in enumerate(rows):
        _track(make_run(user, name=f"seed{index}"), 1, _series("loss", row))


@pytest.mark.parametrize(
    ("line", "band"),
    [
        ("mean", "none"),
        ("median", "minmax"),
        ("min", "std"),
        ("max", "sem"),
        ("mean", "ci95"),
    ],
)
def test_aggregate_matches_numpy_on_shared_steps(api, user, line, band):
    rows = np.random.default_rng(3).normal(size=(4, 50))
    _seed_runs(user, rows)

    body = api.get(
        AGGREGATE, {"group": "run.experiment", "line": line, "band": band}
    ).json()

    [group] = body["groups"]
    assert group["key"] == {"run.experiment": "default"}
    assert group["series"] == 4
    assert len(group["runs"]) == 4
    assert group["x"] == list(range(50))
    expected_line = {
        "mean": rows.mean(axis=0),
        "median": np.median(rows, axis=0),
        "min": rows.min(axis=0),
        "max": rows.max(axis=0),
    }[line]
    np.testing.assert_allclose(group["line"], expected_line, rtol=1e-12)
    mean, std = rows.mean(axis=0), rows.std(axis=0, ddof=1)
    spread = {
        "std": std,
        "sem": std / 2,
        "ci95": 3.182446 * std / 2,  # t(0.975, 3)
    }
    if band == "none":
        assert group["lower"] is None and group["upper"] is None
    elif band == "minmax":
        np.testing.assert_allclose(group["lower"], rows.min(axis=0))
        np.testing.assert_allclose(group["upper"], rows.max(axis=0))
    else:
        np.testing.assert_allclose(group["lower"], mean - spread[band], rtol=1e-6)
        np.testing.assert_allclose(group["upper"], mean + spread[band], rtol=1e-6)


def test_aggregate_interpolates_series_with_different_steps(api, user):
    a_steps, b_steps = np.arange(0, 2000, 2), np.arange(500, 3001, 5)
    run_a = make_run(user, name="a")
    run_b = make_run(user, name="b")
    _track(run_a, 1, _series("loss", np.sin(a_steps / 100), a_steps))
    _track(run_b, 1, _series("loss", np.cos(b_steps / 100), b_steps))

    body = api.get(AGGREGATE, {"points": 1000, "band": "minmax"}).json()

    [group] = body["groups"]
    assert group["key"] == {}
    x = np.asarray(group["x"])
    # The union of x values is larger than `points`: an even grid over the range.
    grid = np.linspace(0, 3000, 1000)
    np.testing.assert_allclose(x, grid)
    a = np.where(grid <= 1998, np.interp(grid, a_steps, np.sin(a_steps / 100)), np.nan)
    b = np.where(grid >= 500, np.interp(grid, b_steps, np.cos(b_steps / 100)), np.nan)
    expected = np.nanmean(np.vstack([a, b]), axis=0)
    np.testing.assert_allclose(group["line"], expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(group["lower"], np.fmin(a, b), atol=1e-12)
    np.testing.assert_allclose(group["upper"], np.fmax(a, b), atol=1e-12)


def _grouping_runs(user):
    fast, slow = make_tag("fast"), make_tag("slow")
    contexts = {
        ("loss", '{"subset": "train"}'): [1.0, 0.5],
        ("loss", '{"subset": "val"}'): [1.2, 0.7],
    }
    one = make_run(user, name="one", experiment="e1", params={"hparams": {"lr": 0.1}},
                   metrics={**contexts, "acc": [0.1, 0.2]})  # fmt: skip
    two = make_run(user, name="two", experiment="e1", params={"hparams": {"lr": 0.01}},
                   metrics=contexts)  # fmt: skip
    three = make_run(user, name="three", experiment="e2", params={"hparams": {"lr": 0.1}},
                     metrics=contexts)  # fmt: skip
    one.tags.add(fast)
    two.tags.add(fast, slow)
    return one, two, three


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("run.hparams.lr", {(0.01,): (2, 1), (0.1,): (5, 2)}),
        ("run.experiment", {("e1",): (5, 2), ("e2",): (2, 1)}),
        (
            "run.tags",
            {((),): (2, 1), (("fast",),): (3, 1), (("fast", "slow"),): (2, 1)},
        ),
        ("metric.name", {("acc",): (1, 1), ("loss",): (6, 3)}),
        (
            "metric.context.subset,run.hparams.lr",
            {
                (None, 0.1): (1, 1),
                ("train", 0.01): (1, 1),
                ("train", 0.1): (2, 2),
                ("val", 0.01): (1, 1),
                ("val", 0.1): (2, 2),
            },
        ),
        ("run.hparams.missing", {(None,): (7, 3)}),
    ],
)
def test_aggregate_groups_by_fields(api, user, group, expected):
    _grouping_runs(user)

    body = api.get(AGGREGATE, {"group": group}).json()

    def hashable(value):
        return tuple(value) if isinstance(value, list) else value

    found = {
        tuple(hashable(value) for value in item["key"].values()): (
            item["series"],
            len(item["runs"]),
        )
        for item in body["groups"]
    }
    assert found == expected
    assert [list(item["key"]) for item in body["groups"]] == [group.split(",")] * len(
        expected
    )


def test_aggregate_group_runs_name_the_runs(api, user):
    _one, two, three = _grouping_runs(user)

    body = api.get(
        AGGREGATE, {"group": "run.hparams.lr", "q": "run.name != 'one'"}
    ).json()

    runs = {item["key"]["run.hparams.lr"]: item["runs"] for item in body["groups"]}
    assert runs == {0.01: [two.hash], 0.1: [three.hash]}


# -- errors and access ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (SEARCH, {"x": "wall"}, "x"),
        (SEARCH, {"points": "5"}, "points"),
        (SEARCH, {"points": "5001"}, "points"),
        (SEARCH, {"points": "many"}, "points"),
        (SEARCH, {"x": "metric"}, "x_metric"),
        (
            SEARCH,
            {"x": "metric", "x_metric": "lr", "x_context": "{subset"},
            "x_context",
        ),
        (SEARCH, {"x": "metric", "x_metric": "lr", "x_context": "[1]"}, "x_context"),
        (
            SEARCH,
            {"x": "metric", "x_metric": "lr", "x_context": "[" * 100_000},
            "x_context",
        ),
        (AGGREGATE, {"line": "mode"}, "line"),
        (AGGREGATE, {"band": "iqr"}, "band"),
        (AGGREGATE, {"group": "metric.last"}, "group"),
        (AGGREGATE, {"group": "run..lr"}, "group"),
        (AGGREGATE, {"group": ",".join(f"run.p{i}" for i in range(11))}, "group"),
    ],
)
def test_bad_parameters_answer_400_naming_them(api, user, url, params, field):
    make_run(user, metrics={"loss": [1.0]})

    response = api.get(url, params)

    assert response.status_code == 400
    assert response.json()["error"].startswith(f"{field}: ")


@pytest.mark.parametrize("url", [SEARCH, AGGREGATE, NAMES])
def test_query_errors_answer_400_with_position(api, url):
    response = api.get(url, {"q": "run.hparams.lr >"})

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "q"
    assert isinstance(body["position"], int)
    assert body["error"]


@pytest.mark.parametrize("url", [SEARCH, AGGREGATE, NAMES])
def test_anonymous_gets_nothing(url):
    response = APIClient().get(url)

    assert response.status_code in (401, 403)
    assert "series" not in response.json()


@pytest.mark.django_db(transaction=True)
def test_search_and_aggregate_over_http(server, user):
    make_run(
        user, name="served", params={"lr": 0.5}, metrics={"loss": [3.0, math.inf, 1.0]}
    )
    session = token_session(user)

    search = session.get(f"{server.url}{SEARCH}", params={"q": "run.lr == 0.5"})
    aggregate = session.get(f"{server.url}{AGGREGATE}", params={"group": "run.lr"})
    anonymous = APIClient().get(SEARCH)

    assert search.status_code == 200
    [loss] = search.json()["series"]
    assert loss["values"] == [3.0, None, 1.0]
    assert aggregate.status_code == 200
    [group] = aggregate.json()["groups"]
    assert group["key"] == {"run.lr": 0.5}
    # Non-finite values are gaps: the aggregate line skips step 1.
    assert group["x"] == [0, 2]
    assert group["line"] == [3.0, 1.0]
    assert anonymous.status_code in (401, 403)


def test_epochs_absent_on_some_points_are_null(api, user):
    run = make_run(user, name="partial")
    _track(run, 1, _series("loss", [1.0, 2.0], epochs=[3, None]))

    loss = api.get(SEARCH).json()["series"][0]

    assert loss["epochs"] == [3, None]


def test_search_leaves_out_x_when_it_is_the_steps(api, user):
    _timed_run(user)

    loss = _by_name(api.get(SEARCH).json())["timed", "loss"]
    assert "x" not in loss and loss["steps"] == list(range(10))
    assert set(loss) >= {"steps", "values", "epochs", "times"}

    epoch = _by_name(api.get(SEARCH, {"x": "epoch"}).json())["timed", "loss"]
    assert epoch["x"] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def test_search_sends_only_the_columns_asked_for(api, user):
    _timed_run(user)

    loss = _by_name(api.get(SEARCH, {"fields": "values"}).json())["timed", "loss"]
    assert "steps" not in loss and "epochs" not in loss and "times" not in loss
    # Without steps, x=step still says where each value is.
    assert loss["x"] == list(range(10)) and len(loss["values"]) == 10

    both = _by_name(api.get(SEARCH, {"fields": "times,steps"}).json())["timed", "loss"]
    assert both["times"][0] == 1000.0 and "values" not in both and "x" not in both


@pytest.mark.parametrize("fields", ["value", "steps,,values", "steps,x", " steps"])
def test_search_refuses_unknown_columns(api, user, fields):
    response = api.get(SEARCH, {"fields": fields})
    assert response.status_code == 400
    assert response.json()["field"] == "fields"
    assert "steps, values, epochs, times" in response.json()["error"]
