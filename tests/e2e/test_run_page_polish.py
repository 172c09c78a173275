"""The run page as a newcomer reads it: system figures with units and a time axis,
parameters across the card's width, env values that wrap at separators, and the
contexts of one metric overlaid on one chart."""

import time

import pytest
from playwright.sync_api import expect

from runs import ingest
from tests.factories import make_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_PATH = ":".join(f"/opt/toolchains/version-{n}/bin" for n in range(12))


def _run_with_system_figures(owner):
    run = make_run(
        owner,
        params={"hparams": {f"setting_{n}": n for n in range(14)}},
        metrics={
            ("loss", '{"subset": "train"}'): [1.0, 0.8, 0.6, 0.5],
            ("loss", '{"subset": "val"}'): [1.1, 0.9, 0.7],
            "learning_rate": [0.1, 0.1, 0.05],
        },
    )
    start = time.time() - 60
    times = [start + 10 * n for n in range(4)]
    system = {
        "__system__cpu": [61.25, 62.5, 63.75, 62.73278],
        "__system__p_memory_rss": [2100.0, 2110.0, 2115.0, 2120.49],
        "__system__disk_read": [0.5, 0.25, 0.125, 1.234],
    }
    batch = ingest.parse_batch(
        {
            "seq": 1,
            "metrics": [
                {
                    "name": name,
                    "context": {},
                    "steps": [0, 1, 2, 3],
                    "values": values,
                    "times": times,
                }
                for name, values in system.items()
            ],
            "meta": {"__system_params": {"env": {"PATH": LONG_PATH, "HOME": "/root"}}},
        }
    )
    ingest.apply_batch(run, batch)
    return run


def _open(page, run, tab: str) -> None:
    page.goto(f"{page.base_url}/runs/{run.hash}/{tab}/")


def test_system_figures_show_units_and_chart_against_wall_clock_time(signed_in_page):
    page = signed_in_page
    run = _run_with_system_figures(page.user)
    _open(page, run, "overview")
    system = page.locator('[data-card="system"]')
    expect(system.locator("tr", has_text="cpu")).to_contain_text("62.7 %")
    expect(system.locator("tr", has_text="p_memory_rss")).to_contain_text("2,120 MB")
    expect(system.locator("tr", has_text="disk_read")).to_contain_text("1.23 MB/s")

    _open(page, run, "system")
    expect(page.locator("#chart-x-axis")).to_have_value("wall")
    cpu = page.locator('.chart-card[data-metric="__system__cpu"]')
    expect(cpu).to_have_attribute("data-loaded", "true")
    expect(cpu.locator(".chart-title")).to_contain_text("(%)")
    cpu.locator(".series-plot").hover()  # Plotly takes over from the canvas
    expect(cpu.locator(".series-plot")).to_have_attribute("data-drawn", "plotly")
    layout = cpu.locator(".js-plotly-plot").evaluate(
        "(plot) => ({ x: plot._fullLayout.xaxis.type, suffix: plot._fullLayout.yaxis.ticksuffix })"
    )
    assert layout == {"x": "date", "suffix": " %"}
    expect(cpu.locator(".ytick text").first).to_contain_text("%")
    page.select_option("#chart-x-axis", "step")
    expect(cpu.locator(".xtick text").first).to_have_text("0")


def test_parameters_use_the_width_and_env_values_wrap_at_separators(signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 1400, "height": 900})
    run = _run_with_system_figures(page.user)
    _open(page, run, "overview")
    grid = page.locator(".overview-grid").bounding_box()
    params = page.locator('[data-card="params"]').bounding_box()
    assert params["width"] > grid["width"] - 2
    rows = page.locator('[data-card="params"] tbody tr')
    expect(rows).to_have_count(14)
    tops = {round(rows.nth(n).bounding_box()["y"]) for n in range(2)}
    assert len(tops) == 1, "params should sit side by side, several to a line"

    value = page.locator('[data-card="env"] tr', has_text="PATH").locator("td").last
    fits = value.evaluate("(cell) => cell.scrollWidth <= cell.clientWidth")
    assert fits, "the long PATH overflows its cell"
    assert value.evaluate("(cell) => cell.querySelectorAll('wbr').length") == 11
    expect(value).to_have_text(LONG_PATH)  # the breaks add no characters
    box = value.bounding_box()
    assert box["height"] > 40  # wrapped onto several lines
    page.locator('[data-card="env"] [data-table-search]').fill("version-3")
    expect(page.locator('[data-card="env"] tbody tr:visible')).to_have_count(1)


def test_the_contexts_of_a_metric_can_share_one_chart(signed_in_page):
    page = signed_in_page
    run = _run_with_system_figures(page.user)
    _open(page, run, "metrics")
    expect(page.locator(".chart-card[data-loaded=true]")).to_have_count(3)
    expect(page.locator('.chart-card[data-metric="loss"]')).to_have_count(2)

    page.get_by_label("Contexts on one chart").check()
    loss = page.locator('.chart-card[data-metric="loss"]')
    expect(loss).to_have_count(1)
    expect(loss).to_have_attribute("data-loaded", "true")
    expect(loss).to_have_attribute("data-contexts", "2")
    expect(loss).to_have_attribute("data-points", "7")
    expect(loss.locator(".legend-chip")).to_have_text(["subset: train", "subset: val"])
    colors = loss.locator(".js-plotly-plot").evaluate(
        "(plot) => plot.data.map((trace) => trace.line.color)"
    )
    assert len(colors) == 2 and colors[0] != colors[1]
    expect(page.locator('.chart-card[data-metric="learning_rate"]')).to_have_count(1)

    page.reload()  # the choice is kept in this browser
    expect(page.get_by_label("Contexts on one chart")).to_be_checked()
    expect(page.locator('.chart-card[data-metric="loss"]')).to_have_count(1)
    page.get_by_label("Contexts on one chart").uncheck()
    expect(page.locator('.chart-card[data-metric="loss"]')).to_have_count(2)
