"""Browser tests of the Scatters explorer (/scatters/), as a user would use it.

They talk to the real /api/v1/params/* endpoints; the trend-line math is checked
through `page.evaluate` importing the module the page uses.
"""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_params_explorer import LOSS_LAST, LR, _shot
from tests.factories import make_run, make_tag
from tests.helpers.explorer_pages import attach_tag_from_popover

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TREND = "/static/js/lib/trend_math.js"


def _import(page, body: str):
    return page.evaluate(
        f"async () => {{ const m = await import({json.dumps(TREND)}); return {body}; }}"
    )


def _address(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


@pytest.fixture
def sweep(signed_in_page):
    """Six runs where the last loss grows with lr (loss = 2·lr + 0.1)."""
    runs = []
    for index, lr in enumerate([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]):
        runs.append(
            make_run(
                signed_in_page.user,
                name=f"run-{lr}",
                experiment="even" if index % 2 == 0 else "odd",
                params={"hparams": {"lr": lr}},
                metrics={"loss": [1.0, 2 * lr + 0.1]},
            )
        )
    return runs


def _open(page, query: str = "") -> None:
    page.goto(f"{page.base_url}/scatters/{query}")


def _drawn(page):
    expect(page.locator("#charts")).to_have_attribute("data-drawn", re.compile(r"\d+"))


def _rows(page):
    return page.locator("#explorer-table tbody tr:not(.table-more)")


def _points(page, facet: int = 0) -> int:
    return page.evaluate(
        """(facet) => document.querySelectorAll('.scatter-plot')[facet].data
             .filter((t) => t.mode === 'markers').reduce((n, t) => n + t.x.length, 0)""",
        facet,
    )


def test_least_squares_and_loess_fit_known_lines(signed_in_page):
    page = signed_in_page
    page.goto(f"{page.base_url}/accounts/tokens/")
    fit = _import(page, "m.linearFit([1, 2, 3, 4], [3, 5, 7, 9])")
    assert fit == pytest.approx({"slope": 2, "intercept": 1})
    assert _import(page, "m.linearFit([1, 1], [2, 3])") is None
    # Points on a line: LOESS (local lines, tricube weights) gives the line back.
    line = _import(page, "m.loess([0, 1, 2, 3, 4, 5], [1, 3, 5, 7, 9, 11], 0.66)")
    assert line["x"] == [0, 1, 2, 3, 4, 5]
    assert line["y"] == pytest.approx([1, 3, 5, 7, 9, 11])
    # A curve: each fitted value leans on its own neighbourhood, unlike one line.
    curve = _import(
        page, "m.loess([0,1,2,3,4,5,6,7,8], [0,1,4,9,16,25,36,49,64], 0.4).y"
    )
    assert curve[4] == pytest.approx(16, abs=1.5)
    assert curve[0] < 3 and curve[8] > 60
    assert _import(page, "m.loess([1, null, 2], [1, 2, null], 0.5)") is None


def test_the_page_needs_a_signed_in_user(page, server):
    page.goto(f"{server.url}/scatters/")
    assert "/accounts/login/" in page.url


def test_a_fresh_install_says_how_to_log_params(signed_in_page):
    page = signed_in_page
    _open(page)
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "fresh")
    _shot(page, "scatters-fresh")


def test_choose_axes_query_and_draw_a_trend_line(signed_in_page, sweep):
    page = signed_in_page
    _open(page)
    expect(page.locator("#explorer-empty")).to_have_attribute("data-empty", "nothing")
    page.select_option("#x-field", LR)
    page.select_option("#y-field", LOSS_LAST)
    _drawn(page)
    assert _points(page) == 6
    page.select_option("#trend", "linear")
    page.wait_for_function(
        "() => document.querySelector('.scatter-plot')?.data"
        ".some((t) => t.mode === 'lines')"
    )
    trend = page.evaluate(
        "() => document.querySelector('.scatter-plot').data.find((t) => t.mode === 'lines')"
    )
    assert trend["x"] == [0.1, 0.6]
    assert trend["y"] == pytest.approx([0.3, 1.3])
    page.select_option("#trend", "loess")
    expect(page.locator("#bandwidth-row")).to_be_visible()
    page.locator("[data-search-input]").fill("run.hparams.lr > 0.25")
    page.locator("[data-search-input]").press("Enter")
    expect(_rows(page)).to_have_count(4)
    assert _points(page) == 4
    _shot(page, "scatters-trend")


def test_group_by_colour_and_chart(signed_in_page, sweep):
    page = signed_in_page
    _open(page, f"?x={LR}&y={LOSS_LAST}")
    _drawn(page)
    page.locator('[data-grouping="color"] summary').click()
    page.locator('[data-grouping="color"] label', has_text="experiment").locator(
        "input"
    ).check()
    # One trace per colour group once redrawn: even and odd.
    page.wait_for_function(
        "() => new Set(document.querySelector('.scatter-plot').data"
        ".map((t) => t.marker.color)).size === 2"
    )
    page.locator('[data-grouping="color"] summary').click()
    page.locator('[data-grouping="chart"] summary').click()
    page.locator('[data-grouping="chart"] label', has_text="experiment").locator(
        "input"
    ).check()
    expect(page.locator(".facet-card")).to_have_count(2)
    assert _points(page, 0) == 3 and _points(page, 1) == 3
    _shot(page, "scatters-grouped")


def _first_point(page) -> dict:
    """Where the first run's point sits on the page, in client pixels."""
    return page.evaluate(
        """() => { const plot = document.querySelector('.scatter-plot');
             const { xaxis, yaxis } = plot._fullLayout; const t = plot.data[0];
             const box = plot.getBoundingClientRect();
             return { x: box.left + xaxis._offset + xaxis.l2p(t.x[0]),
                      y: box.top + yaxis._offset + yaxis.l2p(t.y[0]) }; }"""
    )


def test_hovering_a_point_shows_its_run_and_values(signed_in_page, sweep):
    page = signed_in_page
    run = sweep[0]
    _open(page, f'?q=run.hash == "{run.hash}"&x={LR}&y={LOSS_LAST}')
    _drawn(page)
    point = _first_point(page)
    page.mouse.move(point["x"], point["y"])
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text(run.name)
    expect(tooltip).to_contain_text("0.1")
    # No colour group: no stray "null" line under the values.
    expect(tooltip).not_to_contain_text("null")


def test_a_point_popover_attaches_and_detaches_a_tag(signed_in_page, sweep):
    page = signed_in_page
    make_tag("promising")
    run = sweep[0]
    _open(page, f'?q=run.hash == "{run.hash}"&x={LR}&y={LOSS_LAST}')
    _drawn(page)
    point = _first_point(page)
    page.mouse.move(point["x"], point["y"])
    page.mouse.click(point["x"], point["y"])
    popover = page.get_by_role("dialog", name="Point details")
    expect(popover).to_contain_text("hparams.lr")
    attach_tag_from_popover(
        page, run, "promising", _rows(page).first.locator(".tag-name")
    )


def test_a_copied_address_reopens_the_same_view(signed_in_page, sweep):
    page = signed_in_page
    _open(page)
    page.locator("[data-search-input]").fill("run.hparams.lr < 0.45")
    page.locator("[data-search-input]").press("Enter")
    page.select_option("#x-field", LR)
    page.select_option("#y-field", LOSS_LAST)
    page.select_option("#trend", "loess")
    page.locator("#bandwidth").fill("0.8")
    _drawn(page)
    address = page.url
    assert _address(page)["bw"] == ["0.8"]

    other = page.context.new_page()
    other.goto(address)
    _drawn(other)
    expect(other.locator("[data-search-input]")).to_have_value("run.hparams.lr < 0.45")
    expect(other.locator("#x-field")).to_have_value(LR)
    expect(other.locator("#y-field")).to_have_value(LOSS_LAST)
    expect(other.locator("#trend")).to_have_value("loess")
    expect(other.locator("#bandwidth")).to_have_value("0.8")
    expect(_rows(other)).to_have_count(4)


def test_runs_grouped_by_run_read_as_their_names(signed_in_page, sweep):
    page = signed_in_page
    unnamed = make_run(
        page.user, params={"hparams": {"lr": 0.7}}, metrics={"loss": [1.0, 1.5]}
    )
    # A run without a name reads as the rest of the site shows it, never its hash.
    names = sorted(
        [f"run={run.name}" for run in sweep] + [f"run=Run {unnamed.hash[:8]}"]
    )
    _open(page, f"?x={LR}&y={LOSS_LAST}&color=run.hash")
    _drawn(page)
    legend = page.locator(".scatter-plot .legendtext")
    expect(legend).to_have_count(7)
    assert sorted(legend.all_text_contents()) == names

    _open(page, f"?x={LR}&y={LOSS_LAST}&chart=run.hash")
    _drawn(page)
    titles = page.locator(".facet-title")
    expect(titles).to_have_count(7)
    assert sorted(titles.all_inner_texts()) == names

    _open(page, f'?q=run.hash == "{unnamed.hash}"&x={LR}&y={LOSS_LAST}&color=run.hash')
    _drawn(page)
    point = _first_point(page)
    page.mouse.move(point["x"], point["y"])
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_contain_text(f"Run {unnamed.hash[:8]}")
    expect(tooltip).to_contain_text(f"run=Run {unnamed.hash[:8]}")
    expect(tooltip).not_to_contain_text(unnamed.hash)
