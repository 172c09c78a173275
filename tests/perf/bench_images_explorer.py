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
"""

import statistics
import time

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from media_tracks import services
from media_tracks.models import ObjectRecord, ObjectSequence
from tests.factories import make_run, make_user
from tests.runs.run_page_data import png

pytestmark = [pytest.mark.perf, pytest.mark.django_db]

RUNS = 200
STEPS = 200
PER_STEP = 5


def _report(name: str, value: float, unit: str, target: str = "") -> None:
    print(
        f"\nPERF {name}: {value:,.2f} {unit}"
        + (f"  (target {target})" if target else "")
    )


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


def test_images_first_grid_over_200_runs(db):
    owner = make_user()
    start = time.perf_counter()
    _build(owner)
    _report("build 200 runs x 1,000 images", time.perf_counter() - start, "s")
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
    _report(
        f"objects/search first grid, defaults ({records:,} records)",
        _median_ms(lambda: search(default)),
        "ms",
        "<= 500 ms",
    )
    sparse = services.RecordWindow(density=10, index_density=2)
    _report(
        "objects/search 10 steps x 2 images per sequence",
        _median_ms(lambda: search(sparse)),
        "ms",
    )
    ranged = services.RecordWindow(step_min=100, step_max=149, index_max=0)
    _report(
        "objects/search steps 100-149, first image",
        _median_ms(lambda: search(ranged)),
        "ms",
    )
