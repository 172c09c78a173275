"""The pure value helpers: no database, no Django."""

import math

from aimsite.values import (
    flatten,
    format_cell,
    format_context,
    format_metric,
    format_with_unit,
    param_rows,
    series_label,
    system_unit,
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


def test_series_label_reads_name_then_context():
    assert series_label("accuracy", {"subset": "train"}) == "accuracy · subset=train"
    assert series_label("loss", {}) == "loss"
    assert series_label("loss", {"b": 1, "a": "x"}) == "loss · a=x, b=1"


def test_system_figures_get_units_and_readable_numbers():
    figures = {
        "cpu": (62.73278, "62.7 %"),
        "gpu1_util": (85.0, "85.0 %"),
        "gpu0_memory_percent": (69.8, "69.8 %"),
        "p_memory_rss": (2120.49, "2,120 MB"),
        "disk_read": (1.23456, "1.23 MB/s"),
        "net_recv": (0.0123, "0.0123 MB/s"),
        "gpu0_temp": (68.51, "68.5 °C"),
        "gpu0_power": (250.0, "250.0 W"),
        "batches": (3.5, "3.5"),
    }
    for name, (value, text) in figures.items():
        assert format_with_unit(value, system_unit(name)) == text, name
    assert format_with_unit(None, "%") == "—"
