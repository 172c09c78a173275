"""Params explorer page benchmark (issue 14 point 6): 10,000 runs x 20 params.

Prints the time from navigation to the first complete draw of the parallel
coordinates over 20 params and a metric summary (target <= 1.5 s), the time the
`params/search` answer took as the browser saw it (target <= 150 ms), and a
redraw after a change that needs no request (colour by a param). Figures are
printed, not asserted. Runs are built through ingest as bench_params_explorer.py
builds them.

Run: python -m pytest -m perf -s tests/perf/bench_params_page.py
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - Chromium path
from tests.helpers.clients import sign_in
from tests.perf.bench_params_explorer import PARAMS, RUNS, bench_owner

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

FIELDS = [f"run.hparams.p{k}" for k in range(PARAMS - 2)] + [
    "run.hparams.optimizer",
    "run.hparams.layers",
    'run.metrics["loss"].last',
]


def _report(name: str, value: float, unit: str, target: str = "") -> None:
    print(
        f"\nPERF {name}: {value:,.1f} {unit}"
        + (f"  (target {target})" if target else "")
    )


def _drawn_at(page) -> float:
    return page.evaluate(
        "Number(document.querySelector('#charts').dataset.drawn)"
        " - performance.timeOrigin"
    )


def test_first_draw_of_10k_runs_by_20_params(page, server):
    owner = bench_owner()
    sign_in(page, server, owner)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server.url}/params/?select={json.dumps(FIELDS)}")
    charts = page.locator("#charts")
    expect(charts).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=120_000)
    lines = page.evaluate(
        "document.querySelector('.parcoords-plot').data[0].dimensions[0].values.length"
    )
    assert lines == RUNS
    _report(
        f"params explorer first draw, {RUNS:,} runs x {len(FIELDS)} axes",
        _drawn_at(page),
        "ms",
        "<= 1500 ms",
    )
    for name, start, end, size in page.evaluate(
        """performance.getEntriesByType('resource')
          .filter((e) => /plotly|params\\/(fields|search)/.test(e.name))
          .map((e) => [e.name.split('?')[0].split('/').slice(-2).join('/'),
                       e.startTime, e.responseEnd, e.transferSize])"""
    ):
        print(
            f"PERF   {name}: {start:,.0f} -> {end:,.0f} ms since navigation "
            f"({end - start:,.0f} ms), {size / 2**20:.1f} MiB"
        )

    before = charts.get_attribute("data-drawn")
    started = page.evaluate("performance.now()")
    page.select_option("#color-by", "run.hparams.p0")
    expect(charts).not_to_have_attribute("data-drawn", before)
    _report("redraw coloured by a param", _drawn_at(page) - started, "ms")
