"""Many users at once (issue 18 #5): a load test bounded in time, on loopback.
Figures are printed, not asserted; not a CI test.

Run: python3 -m pytest -m perf -s tests/perf/bench_load.py
(DATABASE_URL=postgres://… REDIS_URL=redis://… for PostgreSQL; AIMSITE_LOAD_SECONDS
sets the length, 60 by default).

One `aimsite up` process (daphne) on 127.0.0.1. USERS simulated people, each
signed in with their own session, browse with a think time: the runs explorer
(page + table + suggestions), a run page (page + series list + a downsampled
chart) and the Metrics explorer (page + search) — the pages and the API calls
those pages make. WRITERS SDK-style writers post a 200-point track batch every
FLUSH_INTERVAL (the SDK's own cadence) meanwhile. After ALONE
seconds of one user alone (the baseline), the first half runs without, the second half with one more user who sends a
deliberately slow query over and over (a linear-time regex over 1,000 runs with
5,000-character descriptions; the query budget, AIMSITE_QUERY_TIMEOUT=1 here,
bounds it). p50/p99 of pages and of API calls are printed for both halves.
"""

import asyncio
import os
import random
import statistics
import time

import aiohttp
import orjson
import pytest

from aimsite.sdk.sender import FLUSH_INTERVAL
from tests.factories import make_token, make_user, new_hash
from tests.helpers.clients import session_cookie
from tests.helpers.servers import UpServer
from tests.perf.bench_hostile_query import HOSTILE, _build

pytestmark = [pytest.mark.perf, pytest.mark.django_db(transaction=True)]

USERS = 50
WRITERS = 16
SECONDS = float(os.environ.get("AIMSITE_LOAD_SECONDS", "60"))
ALONE = 10.0  # seconds of one user alone first: the unloaded baseline
THINK = (0.5, 1.5)  # seconds between a person's clicks
SEEDED_RUNS = 40
SLOW_QUERY = HOSTILE["heavy linear"]
JSON = {"Content-Type": "application/json"}


def _seed_body(index: int) -> bytes:
    return orjson.dumps(
        {
            "hash": new_hash(),
            "experiment": "load",
            "name": f"seeded-{index}",
            "params": {"lr": 0.001 * (index + 1)},
            "batch": {
                "seq": 1,
                "status": "finished",
                "metrics": [
                    {
                        "name": "loss",
                        "context": {"subset": "train"},
                        "steps": list(range(2000)),
                        "values": [1 / (1 + s) for s in range(2000)],
                    }
                ],
            },
        }
    )


class Recorder:
    def __init__(self):
        self.samples: list[tuple[str, str, float, int, float]] = []

    async def get(
        self, http, kind: str, name: str, url: str, phase: str
    ) -> dict | None:
        started = time.perf_counter()
        async with http.get(url) as answer:
            body = await answer.read()
            status = answer.status
            is_json = answer.content_type == "application/json"
        self.samples.append(
            (phase, kind, time.perf_counter() - started, status, started)
        )
        return orjson.loads(body) if status == 200 and is_json else None


async def _person(
    base,
    cookie,
    run_hashes,
    recorder,
    deadline,
    half,
    rng,
    labels=("quiet", "slow query running"),
):
    async with aiohttp.ClientSession(
        base_url=base, cookies={"sessionid": cookie}
    ) as http:
        while time.monotonic() < deadline:
            phase = labels[0] if time.monotonic() < half else labels[1]
            flow = rng.choice(("explorer", "run", "metrics"))
            if flow == "explorer":
                await recorder.get(http, "page", "runs explorer", "/runs/", phase)
                await recorder.get(http, "api", "runs table", "/runs/table?q=", phase)
                await recorder.get(
                    http, "api", "suggestions", "/api/v1/runs/suggestions", phase
                )
            elif flow == "run":
                run_hash = rng.choice(run_hashes)
                await recorder.get(
                    http, "page", "run page", f"/runs/{run_hash}/", phase
                )
                series = await recorder.get(
                    http, "api", "series", f"/api/v1/runs/{run_hash}/metrics", phase
                )
                if series:
                    await recorder.get(
                        http,
                        "api",
                        "points",
                        f"/api/v1/runs/{run_hash}/metrics/{series[0]['id']}/points?max_points=500",
                        phase,
                    )
            else:
                await recorder.get(http, "page", "metrics explorer", "/metrics/", phase)
                await recorder.get(
                    http,
                    "api",
                    "metrics search",
                    "/api/v1/metrics/search?q="
                    + aiohttp.helpers.quote('metric.name == "loss"'),
                    phase,
                )
            await asyncio.sleep(rng.uniform(*THINK))


async def _writer(base, token, deadline, counter):
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base_url=base, headers=headers) as http:
        run_hash = new_hash()
        async with http.post(
            "/api/v1/runs/", data=orjson.dumps({"hash": run_hash})
        ) as a:
            assert a.status in (200, 201), await a.text()
        seq, step = 0, 0
        while time.monotonic() < deadline:
            seq += 1
            body = orjson.dumps(
                {
                    "seq": seq,
                    "metrics": [
                        {
                            "name": name,
                            "steps": list(range(step, step + 100)),
                            "values": [0.5] * 100,
                        }
                        for name in ("loss", "acc")
                    ],
                }
            )
            async with http.post(f"/api/v1/runs/{run_hash}/track", data=body) as answer:
                assert answer.status == 200, await answer.text()
            counter[0] += 200
            step += 100
            await asyncio.sleep(FLUSH_INTERVAL)


async def _slow_user(base, cookie, deadline, half, results):
    await asyncio.sleep(max(0.0, half - time.monotonic()))
    async with aiohttp.ClientSession(
        base_url=base, cookies={"sessionid": cookie}
    ) as http:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            async with http.get("/api/v1/runs/", params={"q": SLOW_QUERY}) as answer:
                await answer.read()
                results.append((answer.status, time.perf_counter() - started))


def _quantiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {ordered[-1] * 1000:.0f} ms, n={len(ordered)}"
    )


def test_fifty_users_browse_while_sixteen_writers_log():
    people = [make_user(f"load-{i}") for i in range(USERS)]
    cookies = [session_cookie(person) for person in people]
    slow = make_user("load-slow")
    _build(slow)  # 1,000 runs with long descriptions for the slow query
    slow_cookie = session_cookie(slow)
    writer_token = make_token(make_user("load-writer"))
    server = UpServer(extra_env={"AIMSITE_QUERY_TIMEOUT": "1"}).start()
    try:
        import requests

        seeded = requests.Session()
        seeded.headers.update({**JSON, "Authorization": f"Bearer {writer_token}"})
        run_hashes = []
        for index in range(SEEDED_RUNS):
            answer = seeded.post(
                f"{server.url}/api/v1/runs/", data=_seed_body(index), timeout=60
            )
            answer.raise_for_status()
            run_hashes.append(answer.json()["hash"])

        recorder, slow_results, points = Recorder(), [], [0]

        async def main():
            start = time.monotonic()
            deadline, half = start + SECONDS, start + SECONDS / 2
            rng = random.Random(18)
            tasks = [
                _person(
                    server.url,
                    cookie,
                    run_hashes,
                    recorder,
                    deadline,
                    half,
                    random.Random(rng.random()),
                )
                for cookie in cookies
            ]
            tasks += [
                _writer(server.url, writer_token, deadline, points)
                for _ in range(WRITERS)
            ]
            tasks.append(
                _slow_user(server.url, slow_cookie, deadline, half, slow_results)
            )
            await asyncio.gather(*tasks)

        async def alone():
            deadline = time.monotonic() + ALONE
            await _person(
                server.url,
                cookies[0],
                run_hashes,
                recorder,
                deadline,
                deadline,
                random.Random(1),
                ("one user alone", "one user alone"),
            )

        asyncio.run(alone())
        asyncio.run(main())
    finally:
        server.stop()

    errors = [s for s in recorder.samples if s[3] != 200]
    print(
        f"\nPERF load: {USERS} users + {WRITERS} writers for {SECONDS:.0f} s, one daphne "
        f"({os.environ.get('DATABASE_URL', 'sqlite').split(':')[0]}); "
        f"{len(recorder.samples)} requests, {len(errors)} not 200 "
        f"{sorted({s[3] for s in errors})}; writers logged {points[0] / SECONDS:,.0f} points/s"
    )
    for phase in ("one user alone", "quiet", "slow query running"):
        for kind in ("page", "api"):
            values = [s[2] for s in recorder.samples if s[0] == phase and s[1] == kind]
            print(f"PERF {phase:>18} | {kind:>4}: {_quantiles(values)}")
    statuses = sorted({status for status, _ in slow_results})
    print(
        f"PERF slow query ({SLOW_QUERY}): {len(slow_results)} requests, status {statuses}, "
        f"{_quantiles([seconds for _, seconds in slow_results])}"
    )
