"""Scale-out: three `aimsite up` processes behind nginx (the README's config), on
PostgreSQL + Redis. SDK writers spread over the processes while live pages are
held on another; one process is SIGKILLed mid-run: nothing is lost, the proxy
routes around it, and the sockets of the survivors keep receiving.

Run: DATABASE_URL=postgres://… REDIS_URL=redis://… python3 -m pytest tests/scaleout -m "scaleout and not e2e"
"""

import asyncio
import contextlib
import json
import threading
import time

import pytest
import requests
import websockets

from aimsite.sdk import Run, flush
from tests.factories import QUIET_RUN, make_token, make_user, new_hash
from tests.helpers.clients import session_cookie
from tests.helpers.proxy import readme_nginx_block

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]

WRITERS = 6
STEPS = 300


def _ws(url: str) -> str:
    return url.replace("http", "ws", 1)


async def _until(socket, accept, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        event = json.loads(await asyncio.wait_for(socket.recv(), timeout=max(left, 0)))
        if accept(event):
            return event


def test_the_readme_config_proxies_websockets_and_skips_dead_processes(alive):
    block = readme_nginx_block()
    assert "proxy_next_upstream error timeout http_502 http_503;" in block
    assert "proxy_set_header Upgrade $http_upgrade;" in block
    assert "proxy_set_header Connection $connection_upgrade;" in block
    config = alive.proxy.config()
    for server in alive.servers:
        assert f"server 127.0.0.1:{server.port} " in config
    # Static files come from nginx itself (collectstatic output), not a process.
    answer = requests.get(f"{alive.proxy.url}/static/js/lib/live.js", timeout=10)
    assert answer.status_code == 200 and "connectLive" in answer.text
    assert answer.headers["Server"].startswith("nginx")


def test_a_point_written_via_one_process_reaches_a_page_on_another_within_a_second(
    alive,
):
    first, second = alive.servers[0], alive.servers[1]
    user = make_user("scale-live")
    headers = {"Authorization": f"Bearer {make_token(user)}"}
    run_hash = new_hash()
    requests.post(
        f"{first.url}/api/v1/runs/",
        json={"hash": run_hash},
        headers=headers,
        timeout=10,
    ).raise_for_status()

    cookie = session_cookie(user)

    async def watch() -> float:
        async with websockets.connect(
            f"{_ws(second.url)}/ws/runs/{run_hash}/",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            origin=second.url,
        ) as socket:
            sent = time.monotonic()
            await asyncio.to_thread(
                lambda: requests.post(
                    f"{first.url}/api/v1/runs/{run_hash}/track",
                    json={
                        "seq": 1,
                        "metrics": [{"name": "loss", "steps": [0], "values": [0.5]}],
                    },
                    headers=headers,
                    timeout=10,
                ).raise_for_status()
            )
            event = await _until(
                socket,
                lambda e: (
                    e["type"] == "run.updated"
                    and any(m["name"] == "loss" for m in e["metrics"])
                ),
                timeout=1.0,
            )
            assert event["metrics"][0]["last"] == 0.5
            return time.monotonic() - sent

    latency = asyncio.run(watch())
    print(
        f"\nSCALEOUT point via process A on a page of process B: {latency * 1000:.0f} ms"
    )


def test_writers_over_the_proxy_lose_nothing_when_a_process_is_killed(
    alive, tmp_path, monkeypatch
):
    monkeypatch.setenv("AIMSITE_SPOOL_DIR", str(tmp_path / "spool"))
    proxy, victim, watcher = alive.proxy, alive.servers[0], alive.servers[2]
    user = make_user("scale-writer")
    token = make_token(user)
    runs: list[Run] = []
    half_way = threading.Barrier(WRITERS + 1)
    failures: list[BaseException] = []

    def write(index: int) -> None:
        try:
            run = Run(server=proxy.url, token=token, experiment="scaleout", **QUIET_RUN)
            runs.append(run)
            for step in range(STEPS):
                run.track(step / STEPS, name="loss", step=step)
                run.track(float(index), name="writer", step=step)
                if step == STEPS // 2:
                    half_way.wait(timeout=60)
                time.sleep(0.002)
            run.close(wait=True)
        except BaseException as error:  # reported by the test thread
            failures.append(error)
            half_way.abort()

    received: list[dict] = []
    cookie = session_cookie(user)

    async def hold_explorer_page(stop: threading.Event) -> None:
        # The runs explorer's socket, held on a process that survives.
        async with websockets.connect(
            f"{_ws(watcher.url)}/ws/runs/",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            origin=watcher.url,
        ) as socket:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    received.append(
                        json.loads(await asyncio.wait_for(socket.recv(), 0.2))
                    )

    stop = threading.Event()
    page = threading.Thread(target=lambda: asyncio.run(hold_explorer_page(stop)))
    page.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in writers:
        thread.start()
    half_way.wait(timeout=60)
    victim.kill()  # SIGKILL mid-run, requests in flight
    killed_at = time.monotonic()
    # The proxy routes around the dead process: every answer is served.
    codes = [
        requests.get(
            f"{proxy.url}/api/v1/runs/",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).status_code
        for _ in range(12)
    ]
    for thread in writers:
        thread.join(120)
    assert flush(timeout=60), "the SDK did not drain in 60 s"
    stop.set()
    page.join(10)
    assert not failures, failures
    assert codes == [200] * 12
    print(f"\nSCALEOUT writers done {time.monotonic() - killed_at:.1f}s after the kill")

    # Every point arrived, counted through the API (through the proxy).
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    assert len(runs) == WRITERS
    for run in runs:
        series = api.get(f"{proxy.url}/api/v1/runs/{run.hash}/metrics", timeout=10)
        series.raise_for_status()
        counts = {item["name"]: item["count"] for item in series.json()}
        assert counts == {"loss": STEPS, "writer": STEPS}, (run.hash, counts)
        info = api.get(f"{proxy.url}/api/v1/runs/{run.hash}/", timeout=10).json()
        assert info["status"] == "finished"

    # The page held on another process saw every run, written via any process.
    created = {e["run"]["hash"] for e in received if e["type"] == "run.created"}
    assert created == {run.hash for run in runs}
    finished = {
        e["run"]["hash"]
        for e in received
        if e["type"] == "run.updated" and e["run"]["status"] == "finished"
    }
    assert finished == {run.hash for run in runs}
