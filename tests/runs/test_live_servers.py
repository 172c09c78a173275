"""Live events over real daphne processes and a real websocket client."""

import asyncio
import json
import os

import pytest
import requests
import websockets

from tests.factories import make_token, make_user, new_hash
from tests.helpers.clients import session_cookie
from tests.helpers.servers import ServerProcess

pytestmark = pytest.mark.django_db(transaction=True)


def _page_origin(ws_url: str) -> str:
    """The origin of a page served by the same server (scheme, host and port)."""
    return "http" + ws_url.removeprefix("ws").split("/ws/")[0]


async def _first_event(ws_url: str, cookie: str, trigger, kind: str) -> dict:
    headers = {"Cookie": f"sessionid={cookie}"}
    async with websockets.connect(
        ws_url, additional_headers=headers, origin=_page_origin(ws_url)
    ) as socket:
        await asyncio.to_thread(trigger)
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            if event["type"] == kind:
                return event


def test_a_run_created_over_http_reaches_the_explorer_socket(server):
    user = make_user()
    token = make_token(user)
    run_hash = new_hash()

    def create():
        requests.post(
            f"{server.url}/api/v1/runs/",
            json={"hash": run_hash, "name": "live"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()

    ws_url = server.url.replace("http", "ws") + "/ws/runs/"
    event = asyncio.run(
        _first_event(ws_url, session_cookie(user), create, "run.created")
    )
    assert event["run"]["hash"] == run_hash and event["run"]["name"] == "live"


def test_anonymous_socket_is_closed_by_the_real_server(server):
    async def attempt():
        ws_url = server.url.replace("http", "ws") + "/ws/runs/"
        async with websockets.connect(ws_url, origin=server.url) as socket:
            await asyncio.wait_for(socket.recv(), timeout=5)

    with pytest.raises(websockets.exceptions.WebSocketException):
        asyncio.run(attempt())


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the Redis channel layer)"
)
def test_with_redis_an_ingest_in_one_process_reaches_a_socket_of_another(server):
    second = ServerProcess().start()
    try:
        user = make_user()
        token = make_token(user)
        run_hash = new_hash()
        requests.post(
            f"{server.url}/api/v1/runs/",
            json={"hash": run_hash},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()

        def track_on_first():
            requests.post(
                f"{server.url}/api/v1/runs/{run_hash}/track",
                json={"seq": 1, "logs": [{"line": 0, "text": "from process one"}]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).raise_for_status()

        ws_url = second.url.replace("http", "ws") + f"/ws/runs/{run_hash}/"
        event = asyncio.run(
            _first_event(ws_url, session_cookie(user), track_on_first, "run.logs")
        )
        assert event["lines"][0]["text"] == "from process one"
    finally:
        second.stop()
