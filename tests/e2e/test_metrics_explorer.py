"""Browser tests of the Metrics explorer (/metrics/), as a user would use it.

Most talk to the real /api/v1/metrics/* endpoints (names, search, aggregate); the
others check the page's pure JavaScript (smoothing, outliers, colours, the composed
query) through `page.evaluate` importing the modules, and the doors into the page.
"""

import json
import math
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from runs import ingest
from tests.factories import make_run, make_tag, make_token
from tests.helpers.explorer_pages import attach_tag_from_popover

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TRAIN = '{"subset": "train"}'
VAL = '{"subset": "val"}'


def _import(page, module: str, body: str):
    """Evaluate `body` (an expression over `m`, the imported module) in the page."""
    return page.evaluate(
        f"async () => {{ const m = await import({json.dumps(module)}); return {body}; }}"
    )


def _address(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.fixture
def lr_runs(signed_in_page):
    """Four runs, two learning rates, each with loss (train, val) and acc."""
    runs = []
    for index, lr in enumerate([0.1, 0.1, 0.01, 0.01]):
        runs.append(
            make_run(
                signed_in_page.user,
                name=f"lr-{lr}-{index}",
                experiment="sweep",
                params={"hparams": {"lr": lr}},
                metrics={
                    ("loss", TRAIN): [1.0 / (1 + step * lr) for step in range(20)],
                    ("loss", VAL): [1.1 / (1 + step * lr) for step in range(20)],
                    "acc": [step / 20 for step in range(20)],
                },
            )
        )
    return runs


def _open(page, query: str = "") -> None:
    page.goto(f"{page.base_url}/metrics/{query}")


def _pick(page, name: str, context: str) -> None:
    page.get_by_role("button", name="+ Metrics").click()
    option = page.get_by_role("option").filter(has_text=name).filter(has_text=context)
    option.click()
    page.keyboard.press("Escape")


def _drawn(page):
    expect(page.locator("#charts")).to_have_attribute("data-drawn", re.compile(r"\d+"))


def _rows(page):
    return page.locator("#metrics-table tbody tr")


def _point_position(page, facet: int = 0) -> dict:
    """Viewport coordinates of the middle point of a facet's last line."""
    return page.evaluate(
        """(facet) => {
          const plot = document.querySelectorAll(".series-plot")[facet];
          const { xaxis, yaxis } = plot._fullLayout;
          const trace = plot.data[plot.data.length - 1];
          const i = Math.floor(trace.x.length / 2);
          const box = plot.getBoundingClientRect();
          return { x: box.left + xaxis._offset + xaxis.l2p(trace.x[i]),
                   y: box.top + yaxis._offset + yaxis.l2p(trace.y[i]) };
        }""",
        facet,
    )


# -- pure JavaScript, checked in the browser that runs it ---------------------------

MATH = "/static/js/lib/series_math.js"
PICKER = "/static/runs/js/metrics_picker.js"


def test_smoothing_follows_aims_ema_and_centred_moving_average(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    assert _import(page, MATH, "m.ema([1, 2, 3, null, 5], 0.5)") == [
        1,
        1.5,
        2.25,
        None,
        3.625,
    ]
    assert _import(page, MATH, "m.cma([1, 2, 3, 4, 5], 3)") == [1.5, 2, 3, 4, 4.5]
    assert _import(page, MATH, "m.smoothValues([4, 8], 'none', 0.6)") == [4, 8]
    assert _import(page, MATH, "m.SMOOTHING_DEFAULTS") == {"ema": 0.6, "cma": 59}


def test_ignoring_outliers_changes_only_the_y_bounds(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    spiky = [1, 1.1, 0.9, 1.05, 0.95, 1, 40]
    assert _import(page, MATH, f"m.withoutOutliers({spiky})") == [
        0.9,
        0.95,
        1,
        1,
        1.05,
        1.1,
    ]
    assert _import(page, MATH, f"m.outlierBounds([{spiky}, [2, 2.5, 3]])") == [
        0.9,
        3,
    ]
    assert _import(page, MATH, "m.outlierBounds([[null, null]])") is None


def test_colours_are_a_stable_hash_of_the_group_key(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    first = _import(page, MATH, "m.colorFor('lr=0.1')")
    assert first == _import(page, MATH, "m.colorFor('lr=0.1')")
    assert first == _import(page, MATH, "m.PALETTE[m.hashString('lr=0.1') % 20]")
    # Two keys of one view never share a colour while the palette lasts, and the
    # same set of keys gets the same colours in any order.
    colours = _import(
        page, MATH, "[...m.assignColors(['a', 'b', 'c', 'd', 'e']).values()]"
    )
    assert len(set(colours)) == 5
    again = _import(
        page, MATH, "[...m.assignColors(['e', 'd', 'c', 'b', 'a']).values()]"
    )
    assert sorted(again) == sorted(colours)
    assert _import(page, MATH, "m.nearestIndex([0, 10, 20, 30], 14)") == 1
    assert _import(page, MATH, "m.nearestIndex([0, 10, 20, 30], 99)") == 3


def test_the_simple_mode_composes_the_query_as_aim_does(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    composed = _import(
        page,
        PICKER,
        "m.composeQuery('run.hparams.lr > 0.01', [{name: 'loss', context: {subset:"
        " 'train'}}, {name: 'acc', context: null}])",
    )
    assert composed == (
        '(run.hparams.lr > 0.01) and ((metric.name == "loss" and metric.context =='
        ' {"subset": "train"}) or (metric.name == "acc"))'
    )
    assert _import(page, PICKER, "m.aimqlLiteral({a: true, b: [1, null]})") == (
        '{"a": True, "b": [1, None]}'
    )


# -- doors in ------------------------------------------------------------------------


def test_the_sidebar_lists_metrics_under_runs(signed_in_page):
    page = signed_in_page
    _open(page)
    link = page.locator(".sidebar nav a", has_text="Metrics")
    expect(link).to_have_attribute("href", "/metrics/")
    expect(link).to_have_class("sub active")


def test_runs_explorer_opens_the_selected_runs_in_the_metrics_explorer(
    signed_in_page,
):
    page = signed_in_page
    runs = [make_run(page.user, name=f"door-{i}") for i in range(2)]
    page.goto(f"{page.base_url}/runs/")
    page.locator(f'tr[data-hash="{runs[0].hash}"] [data-select-row]').check()
    page.get_by_role("button", name="Open in …").click()
    page.get_by_role("menuitem", name="Open in Metrics explorer").click()
    page.wait_for_url("**/metrics/**")
    assert _address(page)["q"] == [f'run.hash in ["{runs[0].hash}"]']


def test_run_page_charts_open_their_metric_in_the_explorer(signed_in_page):
    page = signed_in_page
    run = make_run(page.user, metrics={("loss", TRAIN): [0.5, 0.4]})
    page.goto(f"{page.base_url}/runs/{run.hash}/metrics/")
    link = page.get_by_role("link", name="Open in explorer")
    href = link.get_attribute("href")
    query = parse_qs(urlsplit(href).query)
    assert query["q"] == [f'run.hash == "{run.hash}"']
    assert json.loads(query["select"][0]) == [
        {"name": "loss", "context": {"subset": "train"}}
    ]


def test_the_page_needs_a_signed_in_user(page, server):
    page.goto(f"{server.url}/metrics/")
    assert "/accounts/login/" in page.url


# -- with the metrics API ------------------------------------------------------------


def test_a_fresh_install_says_how_to_log_a_metric(signed_in_page):
    page = signed_in_page
    _open(page)
    empty = page.locator("#explorer-empty")
    expect(empty).to_contain_text("No metrics tracked yet")
    expect(empty).to_contain_text("run.track(")


def test_pick_metrics_group_by_a_param_and_aggregate_with_a_band(
    signed_in_page, lr_runs
):
    page = signed_in_page
    _open(page)
    expect(page.locator("#explorer-empty")).to_contain_text("No metrics selected")
    _pick(page, "loss", "subset: train")
    _drawn(page)
    expect(page.locator(".metric-chip")).to_have_count(1)
    expect(page.locator(".facet-card")).to_have_attribute("data-lines", "4")
    expect(_rows(page)).to_have_count(4)

    page.locator('[data-grouping="color"] summary').click()
    page.locator('[data-grouping="color"]').get_by_label("run.hparams.lr").check()
    expect(page.locator('[data-grouping="color"] summary')).to_have_text("Color: 1")
    colours = {
        row.locator(".swatch").get_attribute("style") for row in _rows(page).all()
    }
    assert len(colours) == 2  # one colour per learning rate

    page.locator("#aggregation-menu summary").click()
    page.get_by_label("Aggregate grouped lines").check()
    page.select_option("#aggregate-band", "std")
    _drawn(page)
    expect(_rows(page)).to_have_count(2)
    expect(page.locator("#metrics-table thead")).to_contain_text("Lower")
    assert _address(page)["agg"] == ["1"]
    assert _address(page)["band"] == ["std"]
    assert _address(page)["color"] == ["run.hparams.lr"]


def test_switching_the_x_alignment_asks_the_server_again(signed_in_page, lr_runs):
    page = signed_in_page
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f"?select={select}")
    _drawn(page)
    page.locator("#axes-menu summary").click()
    with page.expect_request(lambda request: "x=relative_time" in request.url):
        page.select_option("#x-alignment", "relative_time")
    _drawn(page)
    expect(page.locator(".facet-card").first).to_contain_text("relative time")
    assert _address(page)["x"] == ["relative_time"]


def test_a_tag_attached_from_a_point_popover_shows_on_the_run_page(
    signed_in_page, lr_runs
):
    page = signed_in_page
    make_tag("promising")
    run = lr_runs[0]
    query = f'run.hash == "{run.hash}"'
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f"?q={query}&select={select}")
    _drawn(page)
    point = _point_position(page)
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover).to_contain_text("acc")
    attach_tag_from_popover(
        page, run, "promising", _rows(page).first.locator(".tag-name")
    )


def test_a_copied_address_reopens_the_same_view(signed_in_page, lr_runs):
    page = signed_in_page
    _open(page)
    page.locator("[data-search-input]").fill("run.hparams.lr < 0.05")
    page.locator("[data-search-input]").press("Enter")
    _pick(page, "loss", "subset: val")
    _drawn(page)
    page.locator("#smoothing-menu summary").click()
    page.select_option("#smoothing-algorithm", "ema")
    page.locator("#axes-menu summary").click()
    page.select_option("#y-scale", "log")
    first = _rows(page).first
    first.get_by_role("button", name="Hide line loss").click()
    expect(first).to_have_class("is-hidden-line")
    address = page.url

    other = page.context.new_page()
    other.goto(address)
    _drawn(other)
    expect(other.locator("[data-search-input]")).to_have_value("run.hparams.lr < 0.05")
    expect(other.locator(".metric-chip")).to_have_count(1)
    expect(other.locator(".metric-chip")).to_contain_text("subset: val")
    expect(other.locator("#smoothing-algorithm")).to_have_value("ema")
    expect(other.locator("#y-scale")).to_have_value("log")
    expect(_rows(other)).to_have_count(2)
    expect(_rows(other).first).to_have_class("is-hidden-line")
    other.locator("[data-search-input]").fill("")
    other.locator("[data-search-input]").focus()
    expect(other.locator("[data-search-suggestions]")).to_contain_text(
        "run.hparams.lr < 0.05"
    )  # the search is among this explorer's recent queries


def test_a_query_error_points_at_its_position(signed_in_page, lr_runs):
    page = signed_in_page
    _open(page)
    page.locator("#advanced-mode + .switch-track").click()
    assert _address(page)["adv"] == ["1"]
    page.locator("[data-search-input]").fill('metric.name == "loss" and run.nope >')
    page.locator("[data-search-input]").press("Enter")
    error = page.locator("[data-query-error]")
    expect(error).to_contain_text("Query error")
    expect(error.locator(".query-error-caret")).to_contain_text("^")


def test_a_live_runs_line_grows_as_it_tracks(signed_in_page, lr_runs):
    page = signed_in_page
    run = lr_runs[0]
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f'?q=run.hash == "{run.hash}"&select={select}')
    _drawn(page)
    step = _rows(page).first.locator('[data-col="step"]')
    expect(step).to_have_text("19")
    page.locator("#live-update + .switch-track").click()
    expect(page.locator("[data-live-status]")).not_to_have_class("live-dot offline")
    answer = requests.post(
        f"{page.base_url}/api/v1/runs/{run.hash}/track",
        json={
            "seq": 1,
            "metrics": [
                {"name": "acc", "context": {}, "steps": [20, 21], "values": [1, 1]}
            ],
        },
        headers={"Authorization": f"Bearer {make_token(page.user)}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    expect(step).to_have_text("21")


def test_archiving_from_the_table_asks_then_hides_the_run(signed_in_page, lr_runs):
    page = signed_in_page
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f"?select={select}")
    _drawn(page)
    _rows(page).first.locator(".col-select input").check()
    expect(page.locator("[data-selection-label]")).to_have_text("1 run selected")
    page.get_by_role("button", name="Archive", exact=True).click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Archive 1 run?")
    dialog.get_by_role("button", name="Archive", exact=True).click()
    expect(page.locator(".toast")).to_contain_text("Archived 1 run")
    expect(_rows(page)).to_have_count(3)


def test_many_lines_share_traces_and_hover_still_finds_each_run(signed_in_page):
    # Past 40 WebGL lines, lines of one style are drawn as one trace: hover, the
    # popover and the highlight must still name the run under the pointer.
    page = signed_in_page
    runs = [
        make_run(
            page.user,
            name=f"many-{index}",
            metrics={"acc": [index * 10.0 + step for step in range(20)]},
        )
        for index in range(45)
    ]
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f"?select={select}")
    _drawn(page)
    expect(page.locator(".facet-card")).to_have_attribute("data-lines", "45")
    traces = page.evaluate("document.querySelector('.series-plot').data.length")
    assert traces < 45

    def point_of(index: int, step: int) -> dict:
        return page.evaluate(
            """([x, y]) => {
              const plot = document.querySelector(".series-plot");
              const { xaxis, yaxis } = plot._fullLayout;
              const box = plot.getBoundingClientRect();
              return { x: box.left + xaxis._offset + xaxis.l2p(x),
                       y: box.top + yaxis._offset + yaxis.l2p(y) };
            }""",
            [step, index * 10.0 + step],
        )

    for index in (3, 27, 44):
        point = point_of(index, 10)
        page.mouse.move(point["x"], point["y"])
        tooltip = page.locator(".series-tooltip")
        expect(tooltip).to_be_visible()
        expect(tooltip).to_contain_text(f"many-{index}")
        expect(tooltip).to_contain_text(f"{index * 10 + 10}")
    # The hovered run's line is drawn on a canvas over the faded WebGL layer,
    # without redrawing the plot.
    plot = page.locator(".series-plot").first
    expect(plot).to_have_attribute("data-highlighted", "1")
    expect(plot.locator("canvas.series-highlight")).to_be_visible()
    assert page.evaluate(
        "[...document.querySelectorAll('.series-plot .gl-canvas')]"
        ".every((layer) => Number(layer.style.opacity) < 0.5)"
    )
    assert page.evaluate("document.querySelector('.series-plot').data.length") == (
        traces
    )
    page.mouse.click(point["x"], point["y"])
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover.get_by_role("link", name=f"Run: {runs[44].name}")).to_be_visible()
    page.keyboard.press("Escape")
    page.mouse.move(5, 5)
    expect(plot).to_have_attribute("data-highlighted", "0")
    expect(plot.locator("canvas.series-highlight")).to_be_hidden()


def test_the_page_reads_the_binary_search_answer_as_json_gives_it(signed_in_page):
    # lib/npz.js against the server's npz: int64 steps past 2**32, NaN and ±inf
    # (null in the page, as JSON writes them), several series one after another.
    page = signed_in_page
    run = make_run(page.user, name="binary", metrics={"acc": [0.5, 0.25]})
    ingest.apply_batch(
        run,
        ingest.parse_batch(
            {
                "seq": 9,
                "metrics": [
                    {
                        "name": "loss",
                        "steps": [0, 2**40],
                        "values": [math.nan, math.inf],
                    }
                ],
            }
        ),
    )
    page.goto(f"{page.base_url}/accounts/tokens/")
    answers = page.evaluate(
        """async () => {
          const { readNpz, NPZ_MEDIA_TYPE } = await import("/static/js/lib/npz.js");
          const url = "/api/v1/metrics/search?q=";
          const json = await (await fetch(url)).json();
          const bytes = await (await fetch(url, { headers: { Accept: NPZ_MEDIA_TYPE } })).arrayBuffer();
          const files = readNpz(bytes);
          const offsets = [...files.get("offsets")];
          const column = (name, i) => [...files.get(name).slice(offsets[i], offsets[i + 1])]
            .map((v) => (Number.isFinite(v) ? v : null));
          return json.series.map((series, i) => [
            [series.steps, series.values, series.times],
            [column("steps", i), column("values", i), column("times", i)],
          ]);
        }"""
    )
    assert len(answers) == 2
    for from_json, from_npz in answers:
        assert from_npz == from_json
    assert [0, 2**40] in [columns[0] for columns, _ in answers]


def test_a_chart_exports_as_svg_and_the_table_as_csv(signed_in_page, lr_runs):
    page = signed_in_page
    select = json.dumps([{"name": "acc", "context": {}}])
    _open(page, f"?select={select}")
    _drawn(page)
    with page.expect_download() as svg:
        page.locator(".facet-card").first.get_by_role("button", name="SVG").click()
    assert svg.value.suggested_filename.endswith(".svg")
    assert "<svg" in Path(svg.value.path()).read_text()
    with page.expect_download() as csv:
        page.get_by_role("button", name="Export CSV").click()
    lines = Path(csv.value.path()).read_text().splitlines()
    assert lines[0].startswith("Run,Experiment,Tags,Metric,Context,Value")
    assert len(lines) == 1 + len(lr_runs)


def test_lines_grouped_by_run_read_as_the_runs_names(signed_in_page, lr_runs):
    page = signed_in_page
    unnamed = make_run(
        page.user,
        experiment="sweep",
        params={"hparams": {"lr": 0.5}},
        metrics={"acc": [0.1, 0.2, 0.3]},
    )
    select = json.dumps([{"name": "acc", "context": {}}])
    # A run without a name reads as the rest of the site shows it, never its hash.
    names = sorted(
        [f"run={run.name}" for run in lr_runs] + [f"run=Run {unnamed.hash[:8]}"]
    )
    _open(page, f"?select={select}&chart=run.hash")
    _drawn(page)
    titles = page.locator(".facet-title")
    expect(titles).to_have_count(5)
    assert sorted(titles.all_inner_texts()) == names

    _open(page, f"?select={select}&color=run.hash&agg=1")
    _drawn(page)
    expect(_rows(page)).to_have_count(5)
    table = page.locator("#metrics-table tbody")
    for name in names:
        expect(table).to_contain_text(name)
    expect(table).not_to_contain_text(unnamed.hash)

    _open(page, f'?q=run.hash == "{unnamed.hash}"&select={select}&color=run.hash')
    _drawn(page)
    point = _point_position(page)
    page.mouse.move(point["x"] - 2, point["y"])
    page.mouse.move(point["x"], point["y"])
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text(f"Run {unnamed.hash[:8]}")
    expect(tooltip).not_to_contain_text(unnamed.hash)
