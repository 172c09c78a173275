"""Images explorer benchmark (issue 14 point 6). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_images_explorer.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds 200 runs with 1,000
images each (one sequence of 200 steps x 5 images). The first run's images go
through the upload service (`store_objects`, tiny PNGs, real files); the other
199 runs' records are bulk-inserted with that run's file and the sequence
summaries the service keeps, since storing 200,000 files one by one would take
the benchmark tens of minutes and the read path never opens a file. Then times
`objects/search` in process (the read and the JSON encoding the view does) for
the first grid at Aim's defaults (50 steps, 5 images per step) and a sparser one.
Target: first grid ≤ 500 ms.

The second benchmark opens the Images explorer on the same data in Chromium
(a real daphne) and counts the image files the page fetches: only what is on
screen (and a margin of 200 px) loads, however many cards the grid holds; then
it scrolls one screen down and counts again.
"""

import json
import re
import statistics
import time
from urllib.parse import quote

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from media_tracks import services
from media_tracks.models import ObjectRecord, ObjectSequence
from tests.e2e.conftest import browser_type_launch_args  # noqa: F401 - Chromium path
from tests.factories import make_run, make_user
from tests.helpers.clients import sign_in
from tests.perf.report import report
from tests.runs.run_page_data import png

pytestmark = [pytest.mark.perf]

RUNS = 200
STEPS = 200
PER_STEP = 5


def _median_ms(action, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _build(owner) -> None:
    tiny = png(size=(2, 2))
    first = make_run(owner, params={"hparams": {"lr": 0.0}})
    objects = [
        {
            "kind": "image",
            "name": "samples",
            "context": {"subset": "val"},
            "step": step,
            "index": index,
            "file": "f",
        }
        for step in range(STEPS)
        for index in range(PER_STEP)
    ]
    for start in range(0, len(objects), 1000):
        batch = {"objects": objects[start : start + 1000]}
        files = {"f": SimpleUploadedFile("f.png", tiny)}
        services.store_objects(first, services.parse_objects(batch, files))
    template = ObjectRecord.objects.filter(sequence__run=first).first()
    for number in range(1, RUNS):
        run = make_run(owner, params={"hparams": {"lr": number / RUNS}})
        sequence = ObjectSequence.objects.create(
            run=run,
            kind="image",
            name="samples",
            context={"subset": "val"},
            context_key='{"subset":"val"}',
            count=STEPS * PER_STEP,
            first_step=0,
            last_step=STEPS - 1,
            max_index=PER_STEP - 1,
        )
        ObjectRecord.objects.bulk_create(
            ObjectRecord(
                sequence=sequence,
                step=step,
                index=index,
                file=template.file.name,
                format="png",
                width=2,
                height=2,
                size=template.size,
            )
            for step in range(STEPS)
            for index in range(PER_STEP)
        )


@pytest.mark.django_db
def test_images_first_grid_over_200_runs(db):
    owner = make_user()
    start = time.perf_counter()
    _build(owner)
    report("build 200 runs x 1,000 images", time.perf_counter() - start, "s")
    assert ObjectRecord.objects.count() == RUNS * STEPS * PER_STEP
    query = 'images.name == "samples" and images.context.subset == "val"'

    def search(window: services.RecordWindow) -> bytes:
        found = services.search_objects(query, "images", window)
        return orjson.dumps(
            [
                {"id": item.sequence.id, "steps": item.steps, "records": item.records}
                for item in found.sequences
            ]
        )

    default = services.RecordWindow()
    body = orjson.loads(search(default))
    records = sum(len(item["records"]) for item in body)
    assert len(body) == RUNS and records == RUNS * 50 * 5
    report(
        f"objects/search first grid, defaults ({records:,} records)",
        _median_ms(lambda: search(default)),
        "ms",
        "<= 500 ms",
    )
    sparse = services.RecordWindow(density=10, index_density=2)
    report(
        "objects/search 10 steps x 2 images per sequence",
        _median_ms(lambda: search(sparse)),
        "ms",
    )
    ranged = services.RecordWindow(step_min=100, step_max=149, index_max=0)
    report(
        "objects/search steps 100-149, first image",
        _median_ms(lambda: search(ranged)),
        "ms",
    )


IMAGE_REQUESTS = (
    "performance.getEntriesByType('resource')"
    ".filter((e) => /objects\\/\\d+\\/file/.test(e.name)).length"
)


def _image_requests(page) -> int:
    return page.evaluate(IMAGE_REQUESTS)


@pytest.mark.django_db(transaction=True)
def test_images_explorer_loads_only_what_is_on_screen(page, server):
    owner = make_user("bench")
    _build(owner)
    sign_in(page, server, owner)
    page.set_viewport_size({"width": 1400, "height": 1000})
    select = quote(json.dumps([{"name": "samples", "context": {"subset": "val"}}]))
    page.goto(f"{server.url}/images/?select={select}")
    grid = page.locator("#media-explorer-grid")
    expect(grid).to_have_attribute("data-drawn", re.compile(r"\d+"), timeout=60_000)
    cards = page.locator("#media-explorer-grid .image-card").count()
    drawn = page.evaluate(
        "Number(document.querySelector('#media-explorer-grid').dataset.drawn)"
        " - performance.timeOrigin"
    )
    search = page.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter((e) => e.name.includes('objects/search'))"
        ".map((e) => [e.responseStart - e.requestStart, e.responseEnd - e.startTime])[0]"
    )
    page.wait_for_load_state("networkidle")
    first = _image_requests(page)
    report("images explorer cards placed in the grid", cards, "cards")
    report("images explorer first grid drawn", drawn, "ms since navigation")
    report("objects/search server time (request to first byte)", search[0], "ms")
    report("objects/search whole request", search[1], "ms")
    report(
        "image files fetched for the first screen",
        first,
        "requests",
        f"only on-screen images, far fewer than {cards}",
    )
    # Over the grid, so the wheel scrolls what holds it; then wait for the newly
    # visible cards' files (the page was idle already, so waiting for
    # "networkidle" alone would count before any of them is asked for), and a
    # second for the rest of them.
    grid.hover()
    page.mouse.wheel(0, 1000)
    page.wait_for_function(f"{IMAGE_REQUESTS} > {first}", timeout=10_000)
    page.wait_for_timeout(1000)
    report(
        "image files fetched after scrolling one screen",
        _image_requests(page),
        "requests",
    )
