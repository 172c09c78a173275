"""Run page benchmarks (issue 5 #14): a 1,000,000-point series on the Metrics tab.

Prints the server time to answer the chart's downsampled points (target <= 150 ms),
the size of that answer, and the page weight of the Metrics tab (HTML, CSS, every
JavaScript module it imports, Plotly, and the chart data), raw and gzipped.
Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_points.py
"""

import gzip
import re
import statistics
import time
from pathlib import Path

import numpy as np
import pytest
from django.contrib.staticfiles import finders

from runs import ingest
from runs.points import points_json, read_points
from tests.factories import make_run
from tests.helpers.clients import signed_in_client
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

POINTS = 1_000_000
BATCH = 100_000
REPEATS = 9
_ASSET = re.compile(r'(?:src|href)="/static/([^"]+)"')
_IMPORT = re.compile(r'(?:from\s+|import\s*\(\s*)"(\.\.?/[^"]+)"')


def _million_point_run(owner):
    run = make_run(owner, name="million")
    rng = np.random.default_rng(1)
    for seq, start in enumerate(range(0, POINTS, BATCH), start=1):
        steps = np.arange(start, start + BATCH)
        values = np.exp(-steps / 300_000) + rng.normal(0, 0.02, BATCH)
        raw = {
            "seq": seq,
            "metrics": [
                {
                    "name": "loss",
                    "context": {"subset": "train"},
                    "steps": steps.tolist(),
                    "values": values.tolist(),
                    "epochs": (steps // 100_000).tolist(),
                    "times": (1.7e9 + steps * 0.01).tolist(),
                }
            ],
        }
        ingest.apply_batch(run, ingest.parse_batch(raw))
    return run


def _timed(fn, repeats: int = REPEATS) -> tuple[float, object]:
    fn()  # warm: first query compiles, caches fill
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def _static_closure(html: str, extra: list[str]) -> dict[str, int]:
    """Every static file the page loads: its links and scripts, and module imports
    (plus `extra`: modules imported by a computed name, such as the tab's module)."""
    pending = _ASSET.findall(html) + extra
    sizes: dict[str, int] = {}
    while pending:
        name = pending.pop()
        if name in sizes:
            continue
        path = finders.find(name)
        assert path, f"static file {name} not found"
        content = Path(path).read_bytes()
        sizes[name] = len(content)
        if name.endswith(".js"):
            base = name.rsplit("/", 1)[0]
            for relative in _IMPORT.findall(content.decode()):
                parts = f"{base}/{relative}".split("/")
                resolved: list[str] = []
                for part in parts:
                    if part == "..":
                        resolved.pop()
                    elif part not in (".", ""):
                        resolved.append(part)
                pending.append("/".join(resolved))
    return sizes


def _gzipped(name: str) -> int:
    return len(gzip.compress(Path(finders.find(name)).read_bytes(), 6))


def test_million_point_series_chart_data_and_metrics_tab_weight(user):
    started = time.perf_counter()
    run = _million_point_run(user)
    report("ingest 1,000,000 points (in process)", time.perf_counter() - started, "s")
    series = run.metrics.get()
    assert series.count == POINTS
    client = signed_in_client(user)
    url = f"/api/v1/runs/{run.hash}/metrics/{series.id}/points?max_points=1000"

    median, answer = _timed(lambda: client.get(url))
    assert answer.status_code == 200
    body = answer.content
    count = len(answer.json()["steps"])
    report(
        "points?max_points=1000 on 1M points, server time (median of 9)",
        median,
        "ms",
        "<= 150 ms",
    )
    report("  points returned", count, "points")
    report("  answer size", len(body) / 1024, "KiB", "")
    report("  answer size gzipped", len(gzip.compress(body, 6)) / 1024, "KiB")

    read_ms, points = _timed(lambda: read_points(series))
    encode_ms, _ = _timed(lambda: points_json(points, 1000))
    report("  of which: read + decode 245 chunks", read_ms, "ms")
    report("  of which: downsample + JSON", encode_ms, "ms")
    tail_ms, _ = _timed(
        lambda: client.get(
            f"/api/v1/runs/{run.hash}/metrics/{series.id}/points?after_step={POINTS - 10}"
        )
    )
    report("live catch-up points?after_step= (last 9 points)", tail_ms, "ms")

    page_ms, page = _timed(lambda: client.get(f"/runs/{run.hash}/metrics/"), repeats=5)
    html = page.content.decode()
    report("Metrics tab HTML, server time", page_ms, "ms")
    assets = _static_closure(html, ["runs/js/run_tab_charts.js"])
    assert any("plotly" in name for name in assets)
    plotly = sum(size for name, size in assets.items() if "plotly" in name)
    own = sum(size for name, size in assets.items() if "plotly" not in name)
    list_bytes = len(client.get(f"/api/v1/runs/{run.hash}/metrics/").content)
    total = len(page.content) + plotly + own + len(body) + list_bytes
    total_gzip = (
        len(gzip.compress(page.content, 6))
        + sum(_gzipped(name) for name in assets)
        + len(gzip.compress(body, 6))
    )
    report("Metrics tab weight: HTML", len(page.content) / 1024, "KiB")
    report(
        f"Metrics tab weight: our CSS + JS modules ({len(assets) - 1} files)",
        own / 1024,
        "KiB",
    )
    report("Metrics tab weight: plotly.min.js", plotly / 1024, "KiB")
    report(
        "Metrics tab weight: chart data + series list",
        (len(body) + list_bytes) / 1024,
        "KiB",
    )
    report("Metrics tab weight: total, uncompressed", total / 1024, "KiB")
    report("Metrics tab weight: total, gzipped", total_gzip / 1024, "KiB")
