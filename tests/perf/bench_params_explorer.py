"""Params explorer benchmark (issue 14 point 6). Figures are printed, not asserted.

Run: python -m pytest -m perf -s tests/perf/bench_params_explorer.py
(with DATABASE_URL=postgres://… for PostgreSQL). Builds 10,000 runs with 20
params and two metric series each through the ingest service (batches of 100
runs, as `POST /runs/` with a list does; kept under /tmp after the first
build, see tests/perf/cached_data.py), then times `params/search` over all of
them with 20 params and 2 metric summaries, in process (the read and the JSON
encoding the view does) and over HTTP from a real daphne, and `params/fields`.
Target: search ≤ 150 ms.
"""

import random
import statistics
import time

import orjson
import pytest

from runs import ingest
from runs.explorers import params as explorer
from tests.factories import new_hash
from tests.helpers.clients import token_session
from tests.perf.cached_data import cached_user
from tests.perf.report import report

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

RUNS = 10_000
PARAMS = 20


def _median_ms(action, repeat: int = 7) -> float:
    """The median of `repeat` timings in ms; the fastest is printed too."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    print(f"\n  ({repeat} runs: min {min(times):,.2f} ms, max {max(times):,.2f} ms)")
    return statistics.median(times)


def _build(owner) -> None:
    rng = random.Random(7)
    items = []
    for index in range(RUNS):
        hparams = {f"p{k}": rng.random() for k in range(PARAMS - 2)}
        hparams["optimizer"] = rng.choice(["adam", "sgd", "adamw"])
        hparams["layers"] = rng.randint(1, 12)
        batch = ingest.parse_batch(
            {
                "seq": 0,
                "metrics": [
                    {"name": "loss", "steps": [0, 1, 2], "values": [rng.random()] * 3},
                    {
                        "name": "acc",
                        "context": {"subset": "val"},
                        "steps": [0],
                        "values": [rng.random()],
                    },
                ],
            }
        )
        items.append(
            ingest.NewRun(
                hash=new_hash(),
                experiment=f"exp-{index % 10}",
                name=f"run-{index}",
                params={"hparams": hparams},
                batch=batch,
            )
        )
    for start in range(0, RUNS, 100):
        ingest.create_runs(owner, items[start : start + 100])


def bench_owner():
    """The owner of the 10,000 runs, built once and kept (tests/perf/cached_data.py)."""
    return cached_user(f"params-{RUNS}", "params-bench", _build)


NAMES = [f"p{k}" for k in range(PARAMS - 2)] + ["optimizer", "layers"]
FIELDS = (
    ",".join(f"run.hparams.{name}" for name in NAMES)
    + ',run.metrics["loss"].last,run.metrics["acc", {"subset": "val"}].max'
)


def test_params_search_over_10k_runs():
    owner = bench_owner()
    fields = explorer.parse_fields(FIELDS)

    def search() -> bytes:
        return orjson.dumps(explorer.search("", fields, owner))

    body = orjson.loads(search())
    assert len(body["rows"]) == RUNS and not body["truncated"]
    report(
        f"params/search {RUNS} runs x {len(fields)} fields (read + encode)",
        _median_ms(search),
        "ms",
        "<= 150 ms",
    )
    report(
        "params/search with a query (run.hparams.p0 > 0.5)",
        _median_ms(
            lambda: orjson.dumps(explorer.search("run.hparams.p0 > 0.5", fields, owner))
        ),
        "ms",
    )
    report(
        "params/fields over 10k runs",
        _median_ms(lambda: orjson.dumps(explorer.available_fields("")), repeat=3),
        "ms",
    )


def test_params_search_over_http(server):
    """The whole request from a client on the same machine: token auth, the
    view, daphne and the 4.7 MB body."""
    session = token_session(bench_owner())
    url = f"{server.url}/api/v1/params/search"
    first_byte = []

    def get() -> None:
        answer = session.get(url, params={"fields": FIELDS}, timeout=60)
        assert answer.status_code == 200, answer.text[:200]
        first_byte.append(answer.elapsed.total_seconds() * 1000)

    get()
    first_byte.clear()
    report(
        f"params/search over HTTP, {RUNS} runs x 22 fields, whole request",
        _median_ms(get),
        "ms",
        "<= 150 ms",
    )
    report(
        "params/search over HTTP, until the headers",
        statistics.median(first_byte),
        "ms",
    )
