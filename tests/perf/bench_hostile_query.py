"""Hostile queries against a real daphne (issue 11 #2). Figures are printed, not
asserted.

Run: python -m pytest -m perf -s tests/perf/bench_hostile_query.py
(with DATABASE_URL=postgres://… for PostgreSQL). Prints the latency of a plain
`GET /api/v1/runs/?page_size=1` at rest, then while each hostile query is sent
over and over by another client: the two regular expressions of the issue
(catastrophic backtracking in Python's `re`), and a linear-time but heavy one
over 1,000 runs with 5,000-character descriptions, which runs into the time
budget (AIMSITE_QUERY_TIMEOUT, 1 s here).
"""

import random
import statistics
import threading
import time

import pytest
import requests
from django.utils import timezone

from runs.models import Run
from tests.conftest import ServerProcess
from tests.factories import make_experiment, make_token, make_user, new_hash

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

BUDGET = "1"
WINDOW = 5.0  # seconds of plain requests measured beside each hostile query
HEAVY_RUNS = 1000
DESCRIPTION = 5000
AB = str.maketrans("01", "ab")
HOSTILE = {
    "nested groups": "re.match('((a+))+$', run.name)",
    "alternation": "re.match('(a|a)+$', run.name)",
    "heavy linear": "re.search('a.{200}x', run.description)",
}


def _ab_text(rng: random.Random, length: int) -> str:
    return format(rng.getrandbits(length), f"0{length}b").translate(AB)


def _build(owner) -> None:
    rng = random.Random(11)
    experiment = make_experiment("hostile")
    now = timezone.now()
    runs = [
        Run(
            hash=new_hash(),
            name=f"run-{index}",
            description=_ab_text(rng, DESCRIPTION),
            experiment=experiment,
            owner=owner,
            created_at=now,
            updated_at=now,
            status="finished",
        )
        for index in range(HEAVY_RUNS)
    ]
    runs.append(
        Run(
            hash=new_hash(),
            name="a" * 28 + "!",
            experiment=experiment,
            owner=owner,
            created_at=now,
            updated_at=now,
            status="finished",
        )
    )
    Run.objects.bulk_create(runs, batch_size=500)


def _plain(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    response = session.get(f"{url}/api/v1/runs/", params={"page_size": 1}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    return (time.perf_counter() - started) * 1000


def _summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return (
        f"median {statistics.median(ordered):.1f} ms, p90 {p90:.1f} ms, "
        f"max {ordered[-1]:.1f} ms over {len(ordered)} requests"
    )


def test_plain_request_latency_beside_hostile_queries():
    user = make_user("bench")
    _build(user)
    token = make_token(user)
    server = ServerProcess(extra_env={"AIMSITE_QUERY_TIMEOUT": BUDGET}).start()
    try:
        plain = requests.Session()
        plain.headers["Authorization"] = f"Bearer {token}"
        _plain(plain, server.url)  # warm-up
        at_rest = [_plain(plain, server.url) for _ in range(40)]
        print(f"\nPERF at rest: {_summary(at_rest)}")
        for label, query in HOSTILE.items():
            answers: list[tuple[int, float, str]] = []
            stop = threading.Event()

            def hostile(
                query: str = query,
                answers: list = answers,
                stop: threading.Event = stop,
            ) -> None:
                session = requests.Session()
                session.headers["Authorization"] = f"Bearer {token}"
                while not stop.is_set():
                    started = time.perf_counter()
                    response = session.get(
                        f"{server.url}/api/v1/runs/", params={"q": query}, timeout=300
                    )
                    answers.append(
                        (
                            response.status_code,
                            time.perf_counter() - started,
                            response.text[:120],
                        )
                    )

            thread = threading.Thread(target=hostile)
            thread.start()
            time.sleep(0.2)  # let the hostile request reach the database first
            beside: list[float] = []
            started = time.perf_counter()
            while time.perf_counter() - started < WINDOW or len(beside) < 5:
                beside.append(_plain(plain, server.url))
            stop.set()
            thread.join()
            statuses = sorted({status for status, _, _ in answers})
            durations = [seconds for _, seconds, _ in answers]
            print(
                f"PERF hostile {label} ({query}): {len(answers)} requests, "
                f"status {statuses}, median {statistics.median(durations):.2f} s, "
                f"answer {answers[0][2]!r}"
            )
            print(f"PERF plain GET beside it: {_summary(beside)}")
    finally:
        server.stop()
