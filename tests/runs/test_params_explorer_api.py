"""GET /api/v1/params/search and params/fields against a real daphne: one row per
run with the asked params and metric summaries, axis kinds, the picker's fields,
errors and access."""

import math

import orjson
import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from runs.explorers import params as explorer
from tests.factories import make_run, make_tag, make_user
from tests.helpers.clients import signed_in_session, token_session

pytestmark = pytest.mark.django_db(transaction=True)

LR = "run.hparams.lr"
OPT = "run.hparams.opt"
LAYERS = "run.hparams.layers"
FLAG = "run.flag"
LOSS_LAST = 'run.metrics["loss"].last'
LOSS_MIN = 'run.metrics["loss"].min'
VAL_MAX = 'run.metrics["loss", {"subset":"val"}].max'
ODD_KEY = 'run["hparams", "my.key"]'


@pytest.fixture
def data(db):
    owner = make_user()
    best = make_tag("best")
    first = make_run(
        owner,
        name="first",
        experiment="mnist",
        params={
            "hparams": {"lr": 0.01, "opt": "adam", "layers": 2, "my.key": "x"},
            "flag": True,
        },
        metrics={"loss": [0.9, 0.5, 0.7], ("loss", '{"subset": "val"}'): [0.3, 0.2]},
    )
    first.tags.add(best)
    second = make_run(
        owner,
        name="second",
        params={"hparams": {"lr": 0.1, "opt": "sgd"}, "flag": False},
        metrics={"loss": [1.0, math.nan]},
    )
    third = make_run(owner, name="third", params={"hparams": {"lr": "auto"}})
    make_run(owner, name="archived", params={"hparams": {"lr": 0.5}}, is_archived=True)
    return {"owner": owner, "first": first, "second": second, "third": third}


def _get(session, server, path: str, **params):
    return session.get(f"{server.url}/api/v1/params/{path}", params=params, timeout=30)


def _values_by_name(body: dict) -> dict[str, dict]:
    """Each row's values by run name, from the answer's one list per field."""
    return {
        row["name"]: {field: column[i] for field, column in body["values"].items()}
        for i, row in enumerate(body["rows"])
    }


def test_rows_carry_the_asked_params_and_metric_summaries(server, data):
    fields = ",".join([LR, OPT, LAYERS, FLAG, LOSS_LAST, LOSS_MIN, VAL_MAX, ODD_KEY])
    answer = _get(token_session(data["owner"]), server, "search", fields=fields)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["truncated"] is False
    rows = {row["name"]: row for row in body["rows"]}
    values = _values_by_name(body)
    assert [row["name"] for row in body["rows"]] == ["third", "second", "first"]
    assert all(len(column) == 3 for column in body["values"].values())
    assert values["first"] == {
        LR: 0.01,
        OPT: "adam",
        LAYERS: 2,
        FLAG: True,
        LOSS_LAST: 0.7,
        LOSS_MIN: 0.5,
        VAL_MAX: 0.3,
        ODD_KEY: "x",
    }
    # A missing param or series is null; a NaN last value is null too.
    assert values["second"][LAYERS] is None
    assert values["second"][LOSS_LAST] is None
    assert values["second"][LOSS_MIN] == 1.0
    assert values["third"][VAL_MAX] is None
    first = rows["first"]
    assert first["hash"] == data["first"].hash and first["experiment"] == "mnist"
    assert [chip["name"] for chip in first["tags"]] == ["best"]
    assert first["can_edit"] is True
    kinds = {field["id"]: field["kind"] for field in body["fields"]}
    assert kinds == {
        LR: "category",  # "auto" among the numbers
        OPT: "category",
        LAYERS: "number",  # missing values leave the kind alone
        FLAG: "category",  # booleans
        LOSS_LAST: "number",
        LOSS_MIN: "number",
        VAL_MAX: "number",
        ODD_KEY: "category",
    }
    labels = {field["id"]: field["label"] for field in body["fields"]}
    assert labels[LR] == "hparams.lr"
    assert labels[VAL_MAX] == "loss (subset: val) max"


def test_the_query_filters_runs_and_changes_the_kinds(server, data):
    session = signed_in_session(make_user())
    body = _get(session, server, "search", q="run.hparams.lr > 0.001", fields=LR).json()
    assert [row["name"] for row in body["rows"]] == ["second", "first"]
    assert body["fields"] == [{"id": LR, "label": "hparams.lr", "kind": "number"}]
    assert {row["can_edit"] for row in body["rows"]} == {False}  # not the owner
    archived = _get(session, server, "search", q="run.archived", fields=LR).json()
    assert archived["values"][LR] == [0.5]


def test_fields_are_given_back_in_canonical_form_once(server, data):
    body = _get(
        token_session(data["owner"]),
        server,
        "search",
        fields='run["hparams", "lr"], run.hparams.lr,run.metrics["loss", {}].last',
    ).json()
    assert [field["id"] for field in body["fields"]] == [LR, LOSS_LAST]
    assert set(body["values"]) == {LR, LOSS_LAST}


def test_no_fields_gives_the_rows_alone(server, data):
    body = _get(token_session(data["owner"]), server, "search").json()
    assert body["fields"] == [] and len(body["rows"]) == 3
    assert body["values"] == {}


def test_fields_lists_param_paths_and_metric_summaries(server, data):
    answer = _get(token_session(data["owner"]), server, "fields")
    assert answer.status_code == 200
    fields = answer.json()["fields"]
    by_id = {field["id"]: field for field in fields}
    assert by_id[LR] == {
        "id": LR,
        "label": "hparams.lr",
        "kind": "category",
        "source": "param",
    }
    assert by_id[LAYERS]["kind"] == "number"
    assert by_id[ODD_KEY]["label"] == "hparams.my.key"
    assert by_id[VAL_MAX] == {
        "id": VAL_MAX,
        "label": "loss (subset: val) max",
        "kind": "number",
        "source": "metric",
    }
    assert [field["source"] for field in fields] == sorted(
        (field["source"] for field in fields), key=["param", "metric"].index
    )
    # The archived run's params are not offered; every listed id searches.
    narrowed = _get(
        token_session(data["owner"]), server, "fields", q='run.name == "second"'
    ).json()["fields"]
    assert LAYERS not in {field["id"] for field in narrowed}
    round_trip = _get(
        token_session(data["owner"]),
        server,
        "search",
        fields=",".join(field["id"] for field in fields),
    )
    assert round_trip.status_code == 200
    assert [field["id"] for field in round_trip.json()["fields"]] == list(by_id)


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        (",run.hparams.lr", "separated by commas"),
        ("run.name", "is not a field"),
        ('run.metrics["loss"].count', "is not a field"),
        ("run.hparams.lr > 1", "is not a field"),
        ("images.name", "`images.*` reads image sequences"),
        ("1 +", "separated by commas"),
        (",".join(f"run.p{i}" for i in range(101)), "at most 100 fields"),
        (
            ",".join(f'run.metrics["m{i}"].last' for i in range(31)),
            "at most 30 metric series",
        ),
    ],
)
def test_bad_fields_are_a_400_naming_them(server, data, fields, needle):
    answer = _get(token_session(data["owner"]), server, "search", fields=fields)
    assert answer.status_code == 400
    body = answer.json()
    assert body["field"] == "fields" and body["error"].startswith("fields: ")
    assert needle in body["error"]


def test_overlong_fields_are_refused_before_parsing():
    # Over HTTP the server's URL limit (414) comes first; the parser checks too.
    with pytest.raises(explorer.FieldError, match="longer than 20000"):
        explorer.parse_fields("x" * 20_001)


@pytest.mark.parametrize("path", ["search", "fields"])
def test_query_errors_are_a_400_with_their_position(server, data, path):
    answer = _get(token_session(data["owner"]), server, path, q='metric.name == "loss"')
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "`metric.*` reads metric sequences: use the Metrics explorer",
        "position": 0,
        "field": "q",
    }


@pytest.mark.parametrize("path", ["search", "fields"])
def test_anonymous_requests_get_nothing(server, data, path):
    answer = requests.get(f"{server.url}/api/v1/params/{path}", timeout=10)
    assert answer.status_code in (401, 403)
    assert "rows" not in answer.text and "fields" not in answer.json()


def test_search_is_two_queries_whatever_the_number_of_runs(data):
    user = data["owner"]
    fields = explorer.parse_fields(f"{LR},{LOSS_LAST},{VAL_MAX}")
    for _ in range(5):
        make_run(user, params={"hparams": {"lr": 1}}, metrics={"loss": [1.0]})
    with CaptureQueriesContext(connection) as captured:
        body = explorer.search("", fields, user)
    # Runs with their metric summaries, tags (with their links).
    assert len(captured.captured_queries) == 2
    assert len(body["rows"]) == 8


def test_edge_values_come_back_as_stored(data):
    owner = data["owner"]
    big = 2**62 + 1
    make_run(
        owner,
        name="edges",
        params={
            "hparams": {"big": big, "tiny": 1e-05, "none": None, "net": {"depth": 3}},
            "list": [1, 2],
        },
        metrics={"loss": [math.inf], ("loss", '{"subset": "val"}'): [math.nan]},
    )
    fields = explorer.parse_fields(
        "run.hparams.big,run.hparams.tiny,run.hparams.none,run.hparams.net,"
        f"run.hparams.net.depth,run.list,run.nothing.deeper,{LOSS_LAST},{VAL_MAX}"
    )
    body = explorer.search("", fields, owner)
    edges = {field: column[0] for field, column in body["values"].items()}
    assert body["rows"][0]["name"] == "edges"
    assert edges == {
        "run.hparams.big": big,
        "run.hparams.tiny": 1e-05,
        "run.hparams.none": None,
        "run.hparams.net": {"depth": 3},
        "run.hparams.net.depth": 3,
        "run.list": [1, 2],
        "run.nothing.deeper": None,
        LOSS_LAST: None,  # inf, as NaN, is null
        VAL_MAX: None,
    }
    kinds = {field["id"]: field["kind"] for field in body["fields"]}
    assert kinds["run.hparams.big"] == "number"
    assert kinds["run.hparams.none"] == "category"  # None alone: no number
    assert kinds["run.hparams.net"] == "category"
    # orjson writes the answer; its numbers read back equal.
    assert orjson.loads(orjson.dumps(body["values"])) == body["values"]


def test_a_query_on_a_metric_goes_with_its_summaries(data):
    fields = explorer.parse_fields(f"{LOSS_LAST},{LOSS_MIN},{VAL_MAX}")
    body = explorer.search('run.metrics["loss"].min < 0.8', fields, data["owner"])
    assert [row["name"] for row in body["rows"]] == ["first"]
    assert body["values"] == {LOSS_LAST: [0.7], LOSS_MIN: [0.5], VAL_MAX: [0.3]}
    # As many series as allowed, each its own join.
    others = ",".join(f'run.metrics["m{i}"].max' for i in range(29))
    many = explorer.parse_fields(f"{others},{LOSS_LAST},{LOSS_MIN}")
    assert len(many) == 31 and explorer.MAX_SERIES == 30
    with pytest.raises(explorer.FieldError, match="at most 30 metric series"):
        explorer.parse_fields(f"{others},{LOSS_LAST},{VAL_MAX}")
    body = explorer.search("", many, data["owner"])
    assert body["values"][LOSS_LAST] == [None, None, 0.7]
    assert body["values"]['run.metrics["m0"].max'] == [None, None, None]


def test_no_run_matching_gives_empty_columns(data):
    fields = explorer.parse_fields(f"{LR},run.hparams.net.depth,{LOSS_LAST}")
    body = explorer.search('run.name == "nobody"', fields, data["owner"])
    assert body["rows"] == [] and body["truncated"] is False
    assert body["values"] == {LR: [], "run.hparams.net.depth": [], LOSS_LAST: []}
    assert {field["kind"] for field in body["fields"]} == {"category"}


def test_more_runs_than_the_cap_are_truncated(data, monkeypatch):
    monkeypatch.setattr(explorer, "MAX_RUNS", 2)
    body = explorer.search("", explorer.parse_fields(LR), data["owner"])
    assert body["truncated"] is True
    assert [row["name"] for row in body["rows"]] == ["third", "second"]


def test_columns_read_along_a_path_tree_match_a_lookup_path_by_path():
    runs_params = [
        {
            "hparams": {"lr": 0.1, "net": {"depth": 3}, "list": [1, 2], "none": None},
            "top": "x",
        },
        {"hparams": {"lr": 0.2, "net": "flat"}, "top": {"x": 1}},
        {},
        [1, 2],
        None,
    ]
    paths = [
        ("hparams", "lr"),
        ("hparams", "net"),
        ("hparams", "net", "depth"),
        ("hparams", "list", "0"),
        ("hparams", "list", 0),
        ("hparams", "none", "deeper"),
        ("hparams", "missing"),
        ("top",),
        ("top", "x"),
    ]
    texts = [None if p is None else orjson.dumps(p).decode() for p in runs_params]
    columns = explorer._param_columns(texts, paths)
    assert [list(column) for column in columns] == [
        [explorer._lookup(params, path) for params in runs_params] for path in paths
    ]
    assert list(columns[2]) == [3, None, None, None, None]
    assert explorer._param_columns(texts, []) == []
