"""Importing an Aim repo (issue 16, point 6). Figures are printed, not asserted.

The repo is written with Aim's own SDK (RUNS runs x SERIES series x POINTS
points, two writer processes) and cached under /tmp between runs, with the time
the writing took. Then `aimsite import aim` reads it into the test database.

Run: python -m pytest -m perf -s tests/perf/bench_import.py
Shape: AIMSITE_BENCH_IMPORT_SHAPE=100x10x10000 (the default: 10M points; Aim
writes about 1,000 points a second per core here, so building it the first time
takes hours) — a smaller shape such as 20x10x1000 gives the rate in minutes.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runs.models import MetricSeries, Run
from tests.factories import make_user
from tests.helpers.optional import import_or_skip
from tests.helpers.servers import REPO, database_url_for_subprocess
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

SHAPE = os.environ.get("AIMSITE_BENCH_IMPORT_SHAPE", "100x10x10000")
WRITERS = 2

_WRITER = textwrap.dedent(
    """
    import sys
    from aim import Run

    repo, first, last, series, points = sys.argv[1], *map(int, sys.argv[2:])
    for number in range(first, last):
        run = Run(repo=repo, experiment="bench", system_tracking_interval=None,
                  log_system_params=False, capture_terminal_logs=False)
        run.name = f"bench-{number}"
        run["hparams"] = {"lr": 10 ** -(number % 5), "seed": number}
        for step in range(points):
            run.track({f"metric_{i}": (step * (i + 1)) % 97 / 97 for i in range(series)},
                      step=step, epoch=step // 1000, context={"subset": "train"})
        run.close()
    """
)


def _build(root: Path, runs: int, series: int, points: int) -> float:
    """Write the repo with Aim (cached); returns how long writing took."""
    marker = root / "built.json"
    if marker.exists():
        return json.loads(marker.read_text())["seconds"]
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from aim import Repo; import sys; Repo(sys.argv[1], init=True)",
            str(root),
        ],
        check=True,
    )
    share = -(-runs // WRITERS)
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _WRITER,
                str(root),
                str(first),
                str(min(first + share, runs)),
                str(series),
                str(points),
            ]
        )
        for first in range(0, runs, share)
    ]
    for writer in writers:
        assert writer.wait() == 0
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"seconds": seconds}))
    return seconds


def _import(root: Path, *options: str) -> tuple[float, str]:
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess()}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aimsite.cli",
            "import",
            "aim",
            str(root),
            "--owner",
            "bench",
            *options,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return seconds, done.stdout.rsplit("\n", 2)[-2]


def test_import_an_aim_repo():
    import_or_skip("aim")
    runs, series, points = map(int, SHAPE.split("x"))
    total = runs * series * points
    root = Path(f"/tmp/aimsite-bench-import-aim-{SHAPE}")
    built = _build(root, runs, series, points)
    make_user("bench")
    print(
        f"\nAn Aim repo of {runs} runs x {series} series x {points:,} points = {total:,} points"
    )
    report("Aim's SDK writing the repo (2 processes, cached)", built, "s")
    report("Aim's SDK writing rate", total / built, "points/s")
    read, line = _import(root, "--dry-run")
    report(
        "reading it through aim (a dry run: copy, reindex, read every series)",
        read,
        "s",
    )
    seconds, line = _import(root)
    print(f"  {line}")
    assert Run.objects.count() == runs
    assert MetricSeries.objects.count() == runs * series
    report(
        "aimsite import aim, whole command",
        seconds,
        "s",
        "well under a minute for 10M points",
    )
    report("aimsite import aim, rate", total / seconds, "points/s")
    if total != 10_000_000:
        report(
            "projected for 100x10x10,000 at this rate",
            10_000_000 / (total / seconds),
            "s",
        )
    again, line = _import(root)
    report("a second import (nothing new)", again, "s")
