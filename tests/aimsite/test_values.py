"""The pure value helpers: no database, no Django."""

import math

from aimsite.values import (
    flatten,
    format_cell,
    format_context,
    format_metric,
    param_rows,
)


def test_flatten_gives_paths_and_keeps_lists_and_empty_objects_whole():
    params = {"hparams": {"lr": 0.1, "layers": [1, 2]}, "empty": {}, "seed": 3}
    assert flatten(params) == {
        ("hparams", "lr"): 0.1,
        ("hparams", "layers"): [1, 2],
        ("empty",): {},
        ("seed",): 3,
    }


def test_flatten_stops_at_its_depth_limit_unless_told_otherwise():
    deep = {"a": {"b": {"c": 1}}}
    assert flatten(deep, max_depth=2) == {("a", "b"): {"c": 1}}
    assert flatten(deep, max_depth=None) == {("a", "b", "c"): 1}


def test_param_rows_are_dotted_keys_with_json_values_except_text():
    params = {"opt": {"name": "adam", "betas": [0.9, 0.99], "nesterov": True}}
    assert param_rows(params) == [
        ("opt.name", "adam"),
        ("opt.betas", "[0.9, 0.99]"),
        ("opt.nesterov", "true"),
    ]


def test_table_cells_and_metric_numbers_are_formatted_differently():
    assert format_cell(None) == ""
    assert format_metric(None) == "—"
    assert format_cell(0.123456789) == "0.123457"
    assert format_metric(0.123456789) == "0.12346"
    assert format_cell(1e-5) == "1e-05"
    assert format_metric(1e-5) == "1.0000e-05"
    assert format_cell(math.inf) == "inf"
    assert format_cell({"a": [1]}) == '{"a":[1]}'
    assert format_cell(True) == "true"
    assert format_metric(3.0) == "3"


def test_format_context_sorts_keys_and_shows_a_dash_when_empty():
    assert format_context({"subset": "val", "epoch": 1}) == "epoch: 1, subset: val"
    assert format_context({}) == "—"
