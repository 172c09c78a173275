"""Notes rendering benchmarks (issue 11 #3). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_markdown.py
(with DATABASE_URL=postgres://… for PostgreSQL). Prints, for every hostile note
in tests/experiments/hostile_notes.py and two large ordinary notes, the time
plain Python-Markdown needs (capped) next to the bounded renderer's time and
outcome; then, through a real daphne, the latency of GET /api/v1/runs/?page_size=1
at rest and while hostile previews and saves run back to back.
"""

import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.conf import settings

from experiments.markdown import MarkdownRefused, render_markdown
from tests.experiments.hostile_notes import HOSTILE_NOTES
from tests.factories import make_experiment, make_run, make_token, make_user

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

UNBOUNDED_CAP = 10.0  # seconds given to plain Python-Markdown per input
_ROW = "| run-{i:04d} | 0.{i:04d} | 0.5678 | finished | [log](https://x/{i}) |\n"
ORDINARY_NOTES = {
    "ordinary table (100k)": (
        "| run | loss | acc | status | log |\n|---|---|---|---|---|\n"
        + "".join(_ROW.format(i=i) for i in range(2_000))
    )[:100_000],
    "ordinary mixed notes (100k)": (
        "## Section\n\nSome *text* with a [link](https://x) and `code`.\n\n"
        "- item one\n- item **two**\n\n```python\nx = [1, 2]\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n" * 700
    )[:100_000],
}
_UNBOUNDED = """
import sys, time, markdown
text = sys.stdin.read()
started = time.perf_counter()
markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists", "nl2br"])
print(time.perf_counter() - started)
"""


def _unbounded_seconds(text: str) -> str:
    try:
        answer = subprocess.run(
            [sys.executable, "-c", _UNBOUNDED],
            input=text,
            capture_output=True,
            text=True,
            timeout=UNBOUNDED_CAP,
        )
    except subprocess.TimeoutExpired:
        return f"> {UNBOUNDED_CAP:.0f} s"
    if answer.returncode:
        return answer.stderr.strip().splitlines()[-1].split(":")[0]
    return f"{float(answer.stdout):.3f} s"


def _bounded(text: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        render_markdown(text)
        outcome = "rendered"
    except MarkdownRefused:
        outcome = "refused"
    return time.perf_counter() - started, outcome


def test_render_time_per_input():
    budget = settings.AIMSITE_NOTES_RENDER_MS / 1000
    render_markdown("warm up the renderer process")
    print(f"\nrender budget {budget:g} s")
    print(f"{'input':28} {'chars':>7} {'plain markdown':>15} {'bounded':>9}  outcome")
    for name, text in {**HOSTILE_NOTES, **ORDINARY_NOTES}.items():
        before = _unbounded_seconds(text)
        seconds, outcome = _bounded(text)
        # A refusal replaces the renderer process; let the next input find it warm.
        render_markdown("warm up")
        print(
            f"{name:28} {len(text):>7,} {before:>15} {seconds:>7.3f} s  {outcome}",
            flush=True,
        )


def _latencies(url: str, headers: dict, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        answer = requests.get(url, headers=headers, timeout=60)
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:300]
    return samples


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return (
        f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms"
    )


def test_runs_latency_while_hostile_notes_render(server):
    user = make_user("bench")
    experiment = make_experiment("bench", owner=user)
    for _ in range(20):
        make_run(user, metrics={"loss": [0.5, 0.4]})
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    runs_url = f"{server.url}/api/v1/runs/?page_size=1"
    hostile = [HOSTILE_NOTES["unclosed link targets"], HOSTILE_NOTES["emphasis"]]
    _latencies(runs_url, headers, 5)  # warm-up
    at_rest = _latencies(runs_url, headers, 150)

    stop = threading.Event()
    answers: list[int] = []

    def attack() -> None:
        # Alternate previews and saves, each a note the renderer must refuse
        # or needs its whole budget for.
        index = 0
        while not stop.is_set():
            text = hostile[index % len(hostile)]
            if index % 2:
                answer = requests.put(
                    f"{server.url}/api/v1/experiments/{experiment.pk}/notes/",
                    json={"notes": text},
                    headers=headers,
                    timeout=60,
                )
            else:
                answer = requests.post(
                    f"{server.url}/api/v1/experiments/markdown-preview/",
                    json={"notes": text},
                    headers=headers,
                    timeout=60,
                )
            answers.append(answer.status_code)
            index += 1

    attacker = threading.Thread(target=attack)
    attacker.start()
    started = time.perf_counter()
    under_attack = _latencies(runs_url, headers, 150)
    elapsed = time.perf_counter() - started
    stop.set()
    attacker.join()
    print(f"\nPERF GET /api/v1/runs/?page_size=1 at rest: {_summary(at_rest)}")
    print(
        "PERF GET /api/v1/runs/?page_size=1 while hostile notes render: "
        f"{_summary(under_attack)}"
    )
    print(
        f"     ({len(answers)} hostile requests in {elapsed:.1f} s, answered "
        f"{sorted(set(answers))})"
    )
