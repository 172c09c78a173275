"""WebSockets open only for pages of the server's own origin or CSRF_TRUSTED_ORIGINS:
scheme, host and port all compared (issue 11, point 5)."""

import asyncio
import json

import pytest
import requests
import websockets
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from websockets.exceptions import InvalidStatus

from aimsite.asgi import application
from aimsite.origins import is_allowed_origin, parse_origin
from tests.factories import make_token, make_user, new_hash
from tests.helpers.clients import session_cookie
from tests.helpers.servers import ServerProcess


def test_parse_origin_fills_in_default_ports_and_lowercases():
    assert parse_origin("http://LocalHost") == ("http", "localhost", 80)
    assert parse_origin("https://example.com") == ("https", "example.com", 443)
    assert parse_origin("http://127.0.0.1:9999") == ("http", "127.0.0.1", 9999)
    assert parse_origin("http://[::1]:8000") == ("http", "::1", 8000)


@pytest.mark.parametrize(
    "text", ["null", "", "file:///etc", "http://", "http://host:99999", "ws://x:1"]
)
def test_parse_origin_refuses_what_is_no_web_origin(text):
    assert parse_origin(text) is None


def _scope(origin: str | None, host: str | None = "127.0.0.1:43800") -> dict:
    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if host is not None:
        headers.append((b"host", host.encode()))
    return {"type": "websocket", "headers": headers}


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        ("http://127.0.0.1:43800", "127.0.0.1:43800", True),
        ("http://127.0.0.1:9999", "127.0.0.1:43800", False),  # another local program
        ("http://127.0.0.1", "127.0.0.1:43800", False),
        ("https://127.0.0.1:43800", "127.0.0.1:43800", False),  # another scheme
        ("http://localhost:43800", "127.0.0.1:43800", False),  # another host
        ("http://localhost", "localhost", True),  # port 80 either way
        ("http://localhost:80", "localhost", True),
        ("http://[::1]:43800", "[::1]:43800", True),
        ("http://evil.example:43800", "evil.example:43800", False),  # not allowed
        (None, "127.0.0.1:43800", False),
        ("null", "127.0.0.1:43800", False),
        ("http://127.0.0.1:43800", None, False),
    ],
)
def test_only_the_servers_own_origin_is_allowed(origin, host, allowed):
    assert is_allowed_origin(_scope(origin, host)) is allowed


def test_a_secure_scope_has_an_https_origin():
    scope = {**_scope("https://127.0.0.1:8443", "127.0.0.1:8443"), "scheme": "wss"}
    assert is_allowed_origin(scope)
    scope = {**_scope("http://127.0.0.1:8443", "127.0.0.1:8443"), "scheme": "wss"}
    assert not is_allowed_origin(scope)


@override_settings(
    CSRF_TRUSTED_ORIGINS=["https://tracker.example.com", "http://*.lab.example:8080"]
)
@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://tracker.example.com", True),
        ("https://tracker.example.com:443", True),
        ("https://tracker.example.com:8443", False),
        ("http://tracker.example.com", False),
        ("https://other.example.com", False),
        ("http://gpu1.lab.example:8080", True),
        ("http://lab.example:8080", True),
        ("http://gpu1.lab.example", False),
        ("http://gpu1.lab.example.evil:8080", False),
    ],
)
def test_csrf_trusted_origins_match_scheme_host_and_port(origin, allowed):
    # Behind a proxy the Host header is the proxy's upstream, not the page's origin.
    assert is_allowed_origin(_scope(origin, "127.0.0.1:43800")) is allowed


@database_sync_to_async
def _session_cookie() -> str:
    return session_cookie(make_user())


async def _handshake(origin: str, host: str = "127.0.0.1:43800") -> bool:
    headers = [
        (b"origin", origin.encode()),
        (b"host", host.encode()),
        (b"cookie", f"sessionid={await _session_cookie()}".encode()),
    ]
    communicator = WebsocketCommunicator(application, "/ws/runs/", headers=headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_signed_in_socket_from_another_port_is_refused():
    assert not await _handshake("http://127.0.0.1:9999")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_signed_in_socket_from_the_servers_origin_is_accepted():
    assert await _handshake("http://127.0.0.1:43800")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@override_settings(CSRF_TRUSTED_ORIGINS=["https://tracker.example.com"])
async def test_a_signed_in_socket_from_a_trusted_origin_is_accepted():
    assert await _handshake("https://tracker.example.com")
    assert not await _handshake("https://tracker.example.com:444")


# -- a real daphne and a real websocket client ------------------------------------


async def _open(ws_url: str, origin: str, cookie: str, trigger=None) -> dict | None:
    """Connect; with `trigger`, return the first run.created event it causes."""
    async with websockets.connect(
        ws_url, origin=origin, additional_headers={"Cookie": f"sessionid={cookie}"}
    ) as socket:
        if trigger is None:
            return None
        await asyncio.to_thread(trigger)
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            if event["type"] == "run.created":
                return event


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:9999", "http://127.0.0.1", "https://{host}", "http://localhost"],
)
def test_real_server_refuses_a_page_of_another_origin_with_the_users_cookie(
    server, origin
):
    ws_url = server.url.replace("http", "ws") + "/ws/runs/"
    page = origin.format(host=f"127.0.0.1:{server.port}")
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(_open(ws_url, page, session_cookie(make_user())))
    assert refused.value.response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_real_server_streams_to_a_page_of_its_own_origin(server):
    user = make_user()
    token = make_token(user)
    run_hash = new_hash()

    def create() -> None:
        requests.post(
            f"{server.url}/api/v1/runs/",
            json={"hash": run_hash},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).raise_for_status()

    ws_url = server.url.replace("http", "ws") + "/ws/runs/"
    event = asyncio.run(_open(ws_url, server.url, session_cookie(user), create))
    assert event["run"]["hash"] == run_hash


@pytest.mark.django_db(transaction=True)
def test_real_server_accepts_an_origin_from_csrf_trusted_origins():
    trusting = ServerProcess(
        extra_env={"CSRF_TRUSTED_ORIGINS": "https://tracker.example.com"}
    ).start()
    try:
        ws_url = trusting.url.replace("http", "ws") + "/ws/runs/"
        cookie = session_cookie(make_user())
        asyncio.run(_open(ws_url, "https://tracker.example.com", cookie))
        with pytest.raises(InvalidStatus):
            asyncio.run(_open(ws_url, "https://tracker.example.com:8443", cookie))
    finally:
        trusting.stop()
