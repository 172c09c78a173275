"""Browser tests of the Params explorer (/params/), as a user would use it.

They talk to the real /api/v1/params/* endpoints; the pure axis helpers are checked
through `page.evaluate` importing the module the page uses. The chart is a canvas
(parcoords_canvas.js): tests drive it with real mouse drags and read what it drew
from the DOM it keeps (axes, ticks, brushes, colour bar) and its data attributes
(data-lines, data-selected, data-brush, data-width).
"""

import json
import math
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from tests.factories import make_run, make_tag, make_token, new_hash
from tests.helpers.explorer_pages import attach_tag_from_popover

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LR = "run.hparams.lr"
OPTIMIZER = "run.hparams.optimizer"
LOSS_LAST = 'run.metrics["loss"].last'


def _import(page, module: str, body: str):
    return page.evaluate(
        f"async () => {{ const m = await import({json.dumps(module)}); return {body}; }}"
    )


def _address(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _shot(page, name: str) -> None:
    """A screenshot to look at when AIMSITE_SCREENSHOTS names a folder."""
    folder = os.environ.get("AIMSITE_SCREENSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@pytest.fixture
def sweep(signed_in_page):
    """Four runs: two optimizers, two learning rates, a loss each."""
    runs = []
    for index, (lr, optimizer) in enumerate(
        [(0.1, "adam"), (0.01, "adam"), (0.1, "sgd"), (0.001, "sgd")]
    ):
        runs.append(
            make_run(
                signed_in_page.user,
                name=f"run-{optimizer}-{lr}",
                experiment="sweep" if index < 3 else "baseline",
                params={"hparams": {"lr": lr, "optimizer": optimizer}},
                metrics={"loss": [1.0, 0.5 + lr]},
            )
        )
    return runs


def _open(page, query: str = "") -> None:
    page.goto(f"{page.base_url}/params/{query}")


def _pick(page, label: str) -> None:
    page.get_by_role("button", name="+ Params").click()
    page.get_by_role("option").filter(
        has_text=re.compile(f"^✓?{re.escape(label)}")
    ).first.click()
    page.keyboard.press("Escape")


def _drawn(page):
    expect(page.locator("#charts")).to_have_attribute("data-drawn", re.compile(r"\d+"))


def _rows(page):
    return page.locator("#explorer-table tbody tr:not(.table-more)")


def _select(*ids: str) -> str:
    return json.dumps(list(ids))


def _plot(page):
    return page.locator(".params-plot").first


def _axis(page, field: str):
    return _plot(page).locator(f".pc-axis[data-field={json.dumps(field)}]")


def _lines_drawn(page, count: int) -> None:
    expect(_plot(page)).to_have_attribute("data-lines", str(count))


def _axis_point(page, field: str, fraction: float) -> tuple[float, float]:
    """The page point on an axis at `fraction` of its height from the top."""
    box = _axis(page, field).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + fraction * box["height"]


def _drag_on_axis(page, field: str, start: float, end: float) -> None:
    """A real mouse drag along an axis, between fractions of its height."""
    x, y = _axis_point(page, field, start)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, _axis_point(page, field, end)[1], steps=6)
    page.mouse.up()


def _brush(page) -> dict:
    return json.loads(_address(page)["brush"][0]) if "brush" in _address(page) else {}


AXES = "/static/runs/js/params_chart.js"


def test_categorical_values_get_a_sorted_category_axis(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    axis = _import(
        page, AXES, 'm.axisOf(["sgd", true, null, "adam", "sgd"], "category")'
    )
    assert axis["ticktext"] == ["adam", "sgd", "true", "None"]
    assert axis["values"] == [1, 2, 3, 0, 1]
    numbers = _import(page, AXES, 'm.axisOf([0.1, null, "x"], "number").values')
    assert numbers[0] == 0.1
    assert math.isnan(numbers[1]) and math.isnan(
        numbers[2]
    )  # a missing value: its segments are not drawn


def test_brush_ranges_ticks_and_colour_scales_are_tidy(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    canvas = "/static/runs/js/parcoords_canvas.js"
    # Overlapping ranges merge; bounds round to 1/1000 of the axis; a drag upwards
    # gives the same range as a drag downwards.
    assert _import(
        page, canvas, "m.tidyRanges([[0.61234, 0.3], [0.5, 0.8], [0.9, 0.95]], [0, 1])"
    ) == [[0.3, 0.8], [0.9, 0.95]]
    # A categorical axis snaps to whole categories, the nearest when none is inside
    # (and ranges that then touch become one).
    assert _import(
        page, canvas, "m.tidyRanges([[0.9, 2.2], [4.3, 4.4]], [0, 5], true)"
    ) == [[0.5, 2.5], [3.5, 4.5]]
    scales = "/static/js/lib/chart_scales.js"
    assert _import(page, scales, "m.niceTicks(0.001, 0.1, 6)") == [
        0.02,
        0.04,
        0.06,
        0.08,
        0.1,
    ]
    assert _import(page, scales, "m.niceTicks(-3, 1200, 4)") == [0, 500, 1000]
    assert _import(
        page,
        scales,
        '[m.colorAt("Bluered", 0), m.colorAt("Bluered", 0.5), m.colorAt("Bluered", 2)]',
    ) == ["rgb(0,0,255)", "rgb(128,0,128)", "rgb(255,0,0)"]
    assert _import(page, scales, 'm.colorAt("Viridis", 1)') == "rgb(253,231,37)"


def test_the_sidebar_lists_params_and_scatters_under_runs(signed_in_page):
    page = signed_in_page
    _open(page)
    link = page.locator(".sidebar nav a", has_text="Params")
    expect(link).to_have_attribute("href", "/params/")
    expect(link).to_have_class("sub active")
    expect(page.locator(".sidebar nav a", has_text="Scatters")).to_have_attribute(
        "href", "/scatters/"
    )


def test_the_page_needs_a_signed_in_user(page, server):
    page.goto(f"{server.url}/params/")
    assert "/accounts/login/" in page.url


def test_a_fresh_install_says_how_to_log_params(signed_in_page):
    page = signed_in_page
    _open(page)
    empty = page.locator("#explorer-empty")
    expect(empty).to_have_attribute("data-empty", "fresh")
    expect(empty).to_contain_text("No runs with params yet")
    _shot(page, "params-fresh")


def test_pick_params_and_a_metric_query_and_colour_by_a_metric(signed_in_page, sweep):
    page = signed_in_page
    _open(page)
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "nothing")
    _pick(page, "hparams.lr")
    _pick(page, "hparams.optimizer")
    _pick(page, "loss last")
    _drawn(page)
    assert json.loads(_address(page)["select"][0]) == [LR, OPTIMIZER, LOSS_LAST]
    expect(_rows(page)).to_have_count(4)
    # The third pick re-queries: wait for the chart drawn from that answer.
    expect(_plot(page).locator(".pc-axis")).to_have_count(3)
    expect(_plot(page).locator(".pc-axis-title")).to_have_text(
        ["hparams.lr", "hparams.optimizer", "loss last"]
    )
    expect(_axis(page, OPTIMIZER).locator(".pc-tick")).to_have_text(["adam", "sgd"])
    _lines_drawn(page, 4)

    page.locator("[data-search-input]").fill('run.hparams.optimizer == "sgd"')
    page.locator("[data-search-input]").press("Enter")
    expect(_rows(page)).to_have_count(2)
    expect(page.locator("[data-total-label]")).to_have_text("2 runs")

    page.select_option("#color-by", LOSS_LAST)
    page.select_option("#color-scale", "Portland")
    expect(page.locator(".params-plot")).to_have_count(1)
    bar = _plot(page).locator(".pc-colorbar")
    expect(bar).to_have_attribute("data-scale", "Portland")
    expect(bar.locator(".pc-colorbar-title")).to_have_text("loss last")
    assert json.loads(bar.get_attribute("data-range")) == pytest.approx([0.501, 0.6])
    _lines_drawn(page, 2)
    _shot(page, "params-colour-scale")


def test_group_by_colour_and_chart(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?select={_select(LR, LOSS_LAST)}")
    _drawn(page)
    page.locator('[data-grouping="color"] summary').click()
    page.locator('[data-grouping="color"] label', has_text="experiment").locator(
        "input"
    ).check()
    assert _address(page)["color"] == ["run.experiment"]
    # Two colours in the table once redrawn: sweep and baseline.
    page.wait_for_function(
        "() => new Set([...document.querySelectorAll('#explorer-table .swatch')]"
        ".map((e) => e.style.getPropertyValue('--swatch'))).size === 2"
    )
    page.locator('[data-grouping="color"] summary').click()
    page.locator('[data-grouping="chart"] summary').click()
    page.locator('[data-grouping="chart"] label', has_text="experiment").locator(
        "input"
    ).check()
    expect(page.locator(".facet-card")).to_have_count(2)
    expect(page.locator(".facet-title")).to_have_text(
        ["experiment=baseline", "experiment=sweep"]
    )
    _shot(page, "params-grouped")
    # Facets share their scales and the one brush the table filters by.
    page.keyboard.press("Escape")
    page.locator("h1").click()
    expect(page.locator(".params-plot[data-lines]")).to_have_count(2)
    box = page.locator(".pc-axis").first.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] - 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + 0.3 * box["height"], steps=6)
    page.mouse.up()
    expect(_rows(page)).to_have_count(2)
    expect(
        page.locator(f".pc-axis[data-field={json.dumps(LR)}] .pc-brush")
    ).to_have_count(2)
    expect(page.locator(".params-plot").nth(1)).to_have_attribute("data-selected", "2")


def test_brushing_an_axis_filters_the_table_and_stays_in_the_address(
    signed_in_page, sweep
):
    page = signed_in_page
    _open(page, f"?select={_select(LR, OPTIMIZER)}")
    _drawn(page)
    _lines_drawn(page, 4)
    # From just above the top (0.1, clamped) down to about 0.07: the two 0.1 runs.
    _drag_on_axis(page, LR, -0.01, 0.3)
    expect(_rows(page)).to_have_count(2)
    expect(_plot(page)).to_have_attribute("data-selected", "2")
    expect(_axis(page, LR).locator(".pc-brush")).to_have_count(1)
    expect(page.locator("#brush-note")).to_be_visible()
    [[low, high]] = _brush(page)[LR]
    assert high == 0.1 and 0.06 < low < 0.08

    other = page.context.new_page()
    other.goto(page.url)
    _drawn(other)
    expect(_rows(other)).to_have_count(2)
    expect(_axis(other, LR).locator(".pc-brush")).to_have_count(1)
    other.get_by_role("button", name="Clear brushing").click()
    expect(_rows(other)).to_have_count(4)
    expect(_axis(other, LR).locator(".pc-brush")).to_have_count(0)


def test_two_ranges_on_one_axis_then_move_one_then_click_to_clear(
    signed_in_page, sweep
):
    page = signed_in_page
    _open(page, f"?select={_select(LR, OPTIMIZER)}")
    _drawn(page)
    _lines_drawn(page, 4)
    _drag_on_axis(page, LR, -0.01, 0.3)  # the two 0.1 runs
    expect(_rows(page)).to_have_count(2)
    _drag_on_axis(page, LR, 0.95, 1.01)  # and the 0.001 one
    expect(_rows(page)).to_have_count(3)
    expect(_axis(page, LR).locator(".pc-brush")).to_have_count(2)
    ranges = _brush(page)[LR]
    assert len(ranges) == 2 and ranges[0][0] == 0.001 and ranges[1][1] == 0.1
    # Dragging the upper range down moves it off the 0.1 runs.
    _drag_on_axis(page, LR, 0.1, 0.25)
    expect(_rows(page)).to_have_count(1)
    expect(_rows(page).first).to_contain_text("run-sgd-0.001")
    [_, moved] = _brush(page)[LR]
    assert moved[1] < 0.1 and moved[1] - moved[0] == pytest.approx(
        ranges[1][1] - ranges[1][0], abs=0.002
    )
    # A click on the axis clears its ranges.
    page.mouse.click(*_axis_point(page, LR, 0.5))
    expect(_rows(page)).to_have_count(4)
    expect(_axis(page, LR).locator(".pc-brush")).to_have_count(0)
    assert "brush" not in _address(page)


@pytest.fixture
def categories(signed_in_page):
    for index, (optimizer, flag) in enumerate(
        [("sgd", True), ("adam", False), (None, True), ("sgd", False)]
    ):
        make_run(
            signed_in_page.user,
            name=f"cat-{index}",
            params={"opt": optimizer, "flag": flag},
        )


def test_categorical_axes_show_sorted_labels_and_brush_whole_categories(
    signed_in_page, categories
):
    page = signed_in_page
    _open(page, f"?select={_select('run.opt', 'run.flag')}")
    _drawn(page)
    _lines_drawn(page, 4)
    expect(_axis(page, "run.opt").locator(".pc-tick")).to_have_text(
        ["adam", "sgd", "None"]
    )
    expect(_axis(page, "run.flag").locator(".pc-tick")).to_have_text(["false", "true"])
    # Positions run bottom to top: "sgd" is the middle of three. A short drag near
    # it brushes the whole category.
    _drag_on_axis(page, "run.opt", 0.45, 0.55)
    expect(_rows(page)).to_have_count(2)
    assert _brush(page) == {"run.opt": [[0.5, 1.5]]}
    expect(_rows(page)).to_contain_text(["cat-3", "cat-0"])  # newest first


def test_colour_scale_over_a_category_has_a_legend(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?select={_select(LR, LOSS_LAST)}&cby={OPTIMIZER}&cscale=Bluered")
    _drawn(page)
    bar = _plot(page).locator(".pc-colorbar")
    expect(bar).to_have_attribute("data-scale", "Bluered")
    expect(bar.locator(".pc-colorbar-title")).to_have_text("hparams.optimizer")
    expect(bar.locator(".pc-tick")).to_have_text(["adam", "sgd"])
    ramp = bar.locator(".pc-colorbar-ramp").evaluate("(e) => e.style.background")
    assert "rgb(0, 0, 255)" in ramp and "rgb(255, 0, 0)" in ramp
    # Group colours need no legend.
    page.select_option("#color-by", "")
    expect(_plot(page).locator(".pc-colorbar")).to_have_count(0)
    _lines_drawn(page, 4)


def test_hover_names_the_run_and_a_click_opens_its_popover(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?select={_select(LR, LOSS_LAST)}")
    _drawn(page)
    _lines_drawn(page, 4)
    # run-adam-0.01: lr 0.01 and loss 0.51 sit 91% down their axes (the others at
    # the top or the bottom); point halfway between the axes, on its line.
    lr_x, y = _axis_point(page, LR, (0.1 - 0.01) / 0.099)
    loss_x, _ = _axis_point(page, LOSS_LAST, (0.6 - 0.51) / 0.099)
    page.mouse.move((lr_x + loss_x) / 2 - 20, y)
    page.mouse.move((lr_x + loss_x) / 2, y)
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("run-adam-0.01")
    page.mouse.click((lr_x + loss_x) / 2, y)
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover.get_by_role("link", name="Run: run-adam-0.01")).to_be_visible()
    expect(popover).to_contain_text("loss last")
    expect(tooltip).to_be_hidden()


def test_dragging_an_axis_title_reorders_the_axes(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?select={_select(LR, OPTIMIZER, LOSS_LAST)}")
    _drawn(page)
    title = _axis(page, LR).locator(".pc-axis-title").bounding_box()
    x, y = title["x"] + title["width"] / 2, title["y"] + title["height"] / 2
    # Carry the axis 40 px past the next one.
    step = (
        _axis(page, OPTIMIZER).bounding_box()["x"] - _axis(page, LR).bounding_box()["x"]
    )
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + step + 40, y, steps=6)
    page.mouse.up()
    expect(_plot(page).locator(".pc-axis-title")).to_have_text(
        ["hparams.optimizer", "hparams.lr", "loss last"]
    )
    assert json.loads(_address(page)["select"][0]) == [OPTIMIZER, LR, LOSS_LAST]


def test_the_chart_follows_its_container_and_the_pixel_ratio(signed_in_page, sweep):
    page = signed_in_page
    page.set_viewport_size({"width": 1400, "height": 900})
    _open(page, f"?select={_select(LR, LOSS_LAST)}")
    _drawn(page)
    _lines_drawn(page, 4)
    wide = int(_plot(page).get_attribute("data-width"))
    page.set_viewport_size({"width": 900, "height": 900})
    page.wait_for_function(
        "(wide) => Number(document.querySelector('.params-plot').dataset.width)"
        " < wide - 200",
        arg=wide,
    )
    narrow = int(_plot(page).get_attribute("data-width"))
    canvas = _plot(page).locator("canvas.pc-lines")
    assert int(canvas.get_attribute("width")) == narrow

    sharp = page.context.browser.new_context(
        storage_state=page.context.storage_state(),
        device_scale_factor=2,
        viewport={"width": 900, "height": 900},
    )
    other = sharp.new_page()
    other.goto(page.url)
    _drawn(other)
    _lines_drawn(other, 4)
    width = int(_plot(other).get_attribute("data-width"))
    lines = _plot(other).locator("canvas.pc-lines")
    assert int(lines.get_attribute("width")) == 2 * width
    assert lines.evaluate("(c) => c.getBoundingClientRect().width") == width
    sharp.close()


def test_a_tag_attached_from_the_explorer_shows_on_the_run_page(signed_in_page, sweep):
    page = signed_in_page
    make_tag("promising")
    run = sweep[0]
    _open(page, f'?q=run.hash == "{run.hash}"&select={_select(LR)}')
    _drawn(page)
    page.get_by_role("button", name=f"Details of {run.name}").click()
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover).to_contain_text("hparams.lr")
    attach_tag_from_popover(
        page, run, "promising", _rows(page).first.locator(".tag-name")
    )


def test_a_copied_address_reopens_the_same_view(signed_in_page, sweep):
    page = signed_in_page
    _open(page)
    page.locator("[data-search-input]").fill("run.hparams.lr > 0.005")
    page.locator("[data-search-input]").press("Enter")
    _pick(page, "hparams.lr")
    _pick(page, "loss last")
    _drawn(page)
    page.select_option("#color-by", LR)
    _drawn(page)
    address = page.url

    other = page.context.new_page()
    other.goto(address)
    _drawn(other)
    expect(other.locator("[data-search-input]")).to_have_value("run.hparams.lr > 0.005")
    expect(other.locator("#field-chips .metric-chip")).to_have_count(2)
    expect(other.locator("#color-by")).to_have_value(LR)
    expect(_rows(other)).to_have_count(3)


def test_a_query_error_points_at_its_position(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?select={_select(LR)}")
    page.locator("[data-search-input]").fill("run.hparams.lr >")
    page.locator("[data-search-input]").press("Enter")
    error = page.locator("[data-query-error]")
    expect(error).to_contain_text("Query error")
    expect(error.locator(".query-error-caret")).to_contain_text("^")
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "error")


def test_runs_explorer_and_experiment_tab_open_the_selection_in_every_explorer(
    signed_in_page, sweep
):
    page = signed_in_page
    page.goto(f"{page.base_url}/runs/")
    page.locator(f'tr[data-hash="{sweep[0].hash}"] [data-select-row]').check()
    page.get_by_role("button", name="Open in …").click()
    expect(page.get_by_role("menuitem")).to_have_text(
        [
            "Open in Metrics explorer",
            "Open in Params explorer",
            "Open in Scatters explorer",
            "Open in Images explorer",
            "Open in Figures explorer",
            "Open in Audios explorer",
            "Open in Texts explorer",
        ]
    )
    page.get_by_role("menuitem", name="Open in Params explorer").click()
    page.wait_for_url("**/params/**")
    assert _address(page)["q"] == [f'run.hash in ["{sweep[0].hash}"]']

    page.goto(f"{page.base_url}/experiments/{sweep[0].experiment_id}/runs/")
    expect(page.locator("#experiment-runs tbody tr[data-hash]")).to_have_count(3)
    page.get_by_role("button", name="Compare in explorer").click()
    page.get_by_role("menuitem", name="Open in Scatters explorer").click()
    page.wait_for_url("**/scatters/**")
    assert _address(page)["q"] == ['run.experiment == "sweep"']


def test_live_update_adds_a_new_run_and_its_tags(signed_in_page, sweep):
    page = signed_in_page
    make_tag("promising")
    _open(page, f"?select={_select(LR)}")
    _drawn(page)
    expect(_rows(page)).to_have_count(4)
    page.locator("#live-update + .switch-track").click()
    expect(page.locator("[data-live-status]")).not_to_have_class("live-dot offline")
    headers = {"Authorization": f"Bearer {make_token(page.user)}"}
    fresh = new_hash()
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/",
        json={"hash": fresh, "name": "fresh", "params": {"hparams": {"lr": 0.5}}},
        headers=headers,
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    expect(_rows(page)).to_have_count(5)
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{fresh}/tags/",
        json={"names": ["promising"]},
        headers=headers,
        timeout=5,
    )
    assert answer.status_code in (200, 201), answer.text
    row = _rows(page).filter(has_text="fresh")
    expect(row.locator(".tag-name")).to_have_text(["promising"])
