"""Metrics explorer benchmark (issue 13): 800 series of 500 points on one chart.

Prints the time from navigation to the first complete draw of 800 lines (target
<= 1.5 s), and the time to redraw them after a change that needs no request
(switching smoothing on). Figures are printed, not asserted. Needs the
/api/v1/metrics/search endpoint of issue 13's api part.

Run: python -m pytest -m perf -s tests/perf/bench_metrics_page.py
On SQLite the runs are built once and kept under /tmp (tests/perf/sqlite_cache.py);
`-k build` only builds them.
"""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from runs import ingest
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - Chromium path
from tests.factories import make_run, make_user
from tests.helpers.clients import sign_in
from tests.perf.report import report
from tests.perf.sqlite_cache import cached_database

pytestmark = [
    pytest.mark.perf,
    pytest.mark.django_db(transaction=True),
]

RUNS = 200
METRICS = ("loss", "acc", "lr", "grad_norm")  # 4 per run: 800 series
POINTS = 500


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


def _data():
    """The bench user, with the runs built (or copied from the cache)."""
    from django.contrib.auth import get_user_model

    cached_database(
        f"metrics-page-{RUNS}x{POINTS}", lambda: _make_runs(make_user("bench"))
    )
    owner = get_user_model().objects.get(username="bench")
    owner.raw_password = "pw-for-tests-1"  # tests.factories.make_user's
    return owner


def test_build_metrics_page_data():
    """Only builds (or checks) the cached runs."""
    _data()


def test_first_draw_of_800_series(page, server):
    owner = _data()
    sign_in(page, server, owner)
    page.set_viewport_size({"width": 1400, "height": 1000})
    select = json.dumps([{"name": name, "context": {}} for name in METRICS])
    page.goto(f"{server.url}/metrics/?select={select}")
    charts = page.locator("#charts")
    expect(charts).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=60_000)
    expect(page.locator(".facet-card")).to_have_attribute("data-lines", "800")
    report(
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
    report(
        "metrics explorer draw on a second visit (warm cache)", _drawn_at(page), "ms"
    )

    before = charts.get_attribute("data-drawn")
    started = page.evaluate("performance.now()")
    page.locator("#smoothing-menu summary").click()
    page.select_option("#smoothing-algorithm", "ema")
    expect(charts).not_to_have_attribute("data-drawn", before)
    report("redraw of 800 lines with EMA", _drawn_at(page) - started, "ms")


# Long tasks from the start of the page, read by the profile below.
_LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
}).observe({ type: "longtask", buffered: true });
"""


def _cpu_profile_summary(profile: dict, top: int = 14) -> None:
    """Self time of a CDP CPU profile by script and by function, largest first."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    interval = {}
    times = profile["timeDeltas"]
    for sample, delta in zip(profile["samples"], [*times[1:], 0], strict=True):
        interval[sample] = interval.get(sample, 0) + delta / 1000
    by_script, by_function = {}, {}
    for node_id, ms in interval.items():
        frame = nodes[node_id]["callFrame"]
        script = frame["url"].split("?")[0].rsplit("/", 1)[-1] or frame["functionName"]
        if "plotly" in script:
            script = "plotly"
        by_script[script] = by_script.get(script, 0) + ms
        name = f"{frame['functionName'] or '(anonymous)'} [{script}]"
        by_function[name] = by_function.get(name, 0) + ms
    for title, table in (("script", by_script), ("function", by_function)):
        print(f"PERF   self time by {title}:")
        for name, ms in sorted(table.items(), key=lambda item: -item[1])[:top]:
            print(f"PERF     {ms:8.1f} ms  {name}")


def test_where_first_draw_time_goes(page, server):
    """Not a target: a CPU profile of the first draw, the page's own marks, and the
    long tasks while the pointer sweeps the chart (hover jank)."""
    owner = _data()
    sign_in(page, server, owner)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.add_init_script(_LONG_TASKS)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    cdp.send("Profiler.start")
    select = json.dumps([{"name": name, "context": {}} for name in METRICS])
    page.goto(f"{server.url}/metrics/?select={select}")
    charts = page.locator("#charts")
    expect(charts).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=60_000)
    profile = cdp.send("Profiler.stop")["profile"]
    report("first draw (profiled)", _drawn_at(page), "ms")
    for name, start, duration in page.evaluate(
        "performance.getEntriesByType('mark').concat("
        "performance.getEntriesByType('measure'))"
        ".filter((e) => e.name.startsWith('metrics:'))"
        ".map((e) => [e.name, e.startTime, e.duration])"
    ):
        print(f"PERF   {name}: at {start:,.0f} ms, {duration:,.1f} ms")
    tasks = page.evaluate("window.__longTasks")
    print(
        f"PERF   long tasks before the draw: {len(tasks)}, "
        f"{sum(t[1] for t in tasks):,.0f} ms in all, longest "
        f"{max((t[1] for t in tasks), default=0):,.0f} ms"
    )
    _cpu_profile_summary(profile)

    # Hover: sweep the pointer across the first chart and count long tasks. Each
    # move is timed until the page's next frame (the input delay); the sweep
    # stops after 60 s however janky the page is.
    box = page.locator(".facet-card .series-plot").first.bounding_box()
    page.evaluate("window.__longTasks = []")
    started = page.evaluate("performance.now()")
    y = box["y"] + box["height"] * 0.45
    moves, delays, deadline = 40, [], time.perf_counter() + 60
    for step in range(moves):
        if time.perf_counter() > deadline:
            break
        moved = time.perf_counter()
        page.mouse.move(box["x"] + 70 + step * (box["width"] - 100) / moves, y)
        page.evaluate("new Promise((done) => requestAnimationFrame(() => done()))")
        delays.append((time.perf_counter() - moved) * 1000)
        page.wait_for_timeout(16)
    page.evaluate(
        "new Promise((done) => requestAnimationFrame(() => setTimeout(done, 200)))"
    )
    elapsed = page.evaluate("performance.now()") - started
    tasks = page.evaluate("window.__longTasks")
    delays.sort()
    report(
        f"hover sweep, {len(delays)} pointer moves: move to next frame, median",
        delays[len(delays) // 2],
        "ms",
    )
    report("  hover sweep: move to next frame, slowest", delays[-1], "ms")
    report("  hover sweep: long tasks (> 50 ms)", len(tasks), "tasks")
    report(
        "  hover sweep: time in long tasks",
        sum(t[1] for t in tasks),
        f"ms of {elapsed:,.0f} ms",
    )
    report("  hover sweep: longest task", max((t[1] for t in tasks), default=0), "ms")
