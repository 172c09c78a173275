"""Metrics explorer benchmark (issue 13): 800 series of 500 points on one chart.

Prints the time from navigation to the first complete draw of 800 lines (target
<= 1.5 s), and the time to redraw them after a change that needs no request
(switching smoothing on). Figures are printed, not asserted. Needs the
/api/v1/metrics/search endpoint of issue 13's api part.

Run: python -m pytest -m perf -s tests/perf/bench_metrics_page.py
"""

import json
import re

import pytest
from playwright.sync_api import expect

from runs import ingest
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - Chromium path
from tests.factories import make_run, make_user
from tests.helpers.clients import sign_in

pytestmark = [
    pytest.mark.perf,
    pytest.mark.django_db(transaction=True),
]

RUNS = 200
METRICS = ("loss", "acc", "lr", "grad_norm")  # 4 per run: 800 series
POINTS = 500


def _report(name: str, value: float, unit: str, target: str = "") -> None:
    print(
        f"\nPERF {name}: {value:,.1f} {unit}"
        + (f"  (target {target})" if target else "")
    )


def _make_runs(owner) -> None:
    steps = list(range(POINTS))
    for index in range(RUNS):
        run = make_run(owner, name=f"bench-{index}", params={"seed": index})
        ingest.apply_batch(
            run,
            ingest.parse_batch(
                {
                    "seq": 1,
                    "metrics": [
                        {
                            "name": name,
                            "context": {},
                            "steps": steps,
                            "values": [1 / (1 + step + index + k) for step in steps],
                        }
                        for k, name in enumerate(METRICS)
                    ],
                }
            ),
        )


def _drawn_at(page) -> float:
    """Milliseconds since navigation when the charts were last drawn."""
    return page.evaluate(
        "Number(document.querySelector('#charts').dataset.drawn)"
        " - performance.timeOrigin"
    )


def test_first_draw_of_800_series(page, server):
    owner = make_user("bench")
    _make_runs(owner)
    sign_in(page, server, owner)
    page.set_viewport_size({"width": 1400, "height": 1000})
    select = json.dumps([{"name": name, "context": {}} for name in METRICS])
    page.goto(f"{server.url}/metrics/?select={select}")
    charts = page.locator("#charts")
    expect(charts).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=60_000)
    expect(page.locator(".facet-card")).to_have_attribute("data-lines", "800")
    _report(
        "metrics explorer first draw, 800 x 500 points",
        _drawn_at(page),
        "ms",
        "<= 1500 ms",
    )

    # Where the time goes: the page's own resources, as the browser timed them.
    for entry in page.evaluate(
        """performance.getEntriesByType('resource')
          .filter((e) => /plotly|metrics\\/(names|search)/.test(e.name))
          .map((e) => [e.name.split('?')[0].split('/').slice(-2).join('/'),
                       e.startTime, e.responseEnd, e.transferSize])"""
    ):
        name, start, end, size = entry
        print(
            f"PERF   {name}: {start:,.0f} -> {end:,.0f} ms since navigation, "
            f"{size / 2**20:.1f} MiB"
        )

    # A second visit: the browser has Plotly's compiled code cached by then.
    page.reload()
    expect(charts).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=60_000)
    _report(
        "metrics explorer draw on a second visit (warm cache)", _drawn_at(page), "ms"
    )

    before = charts.get_attribute("data-drawn")
    started = page.evaluate("performance.now()")
    page.locator("#smoothing-menu summary").click()
    page.select_option("#smoothing-algorithm", "ema")
    expect(charts).not_to_have_attribute("data-drawn", before)
    _report("redraw of 800 lines with EMA", _drawn_at(page) - started, "ms")
