"""The permission matrix: anonymous, another user, owner, staff — API, pages, sockets."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from rest_framework.test import APIClient

from aimsite.asgi import application
from runs.models import Run
from tests.factories import make_run, make_user
from tests.helpers.clients import api_for, session_cookie, signed_in_client

PAGES = ["/", "/runs/", "/experiments/", "/tags/", "/accounts/tokens/"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_anonymous_users_to_sign_in(path):
    answer = Client().get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_a_signed_in_user(user, path):
    client = signed_in_client(user)
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_run_page_renders_and_404s(user):
    run = make_run(user)
    client = signed_in_client(user)
    assert client.get(f"/runs/{run.hash}/").status_code == 200
    assert client.get("/runs/000000000000000000000000/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/runs/",
        "/api/v1/experiments/",
        "/api/v1/tags/",
        "/api/schema/",
        f"/api/v1/runs/{'0' * 24}/artifacts",
        "/api/v1/artifacts/1/file",
    ],
)
def test_api_refuses_anonymous_requests(path):
    answer = APIClient().get(path, HTTP_ACCEPT="application/json")
    assert answer.status_code == 401
    assert b"credentials were not provided" in answer.content


@pytest.mark.django_db
def test_api_refuses_unknown_and_revoked_tokens(user):
    from aimsite.models import ApiToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ams_not-a-real-token")
    assert client.get("/api/v1/runs/").status_code == 401
    token, secret = ApiToken.issue(user, "x")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/runs/").status_code == 200
    token.revoke()
    assert client.get("/api/v1/runs/").status_code == 401


@pytest.mark.django_db
def test_session_api_writes_need_csrf(user):
    run = make_run(user)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    answer = client.patch(f"/api/v1/runs/{run.hash}/", {"name": "x"}, format="json")
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [("other", 403), ("owner", 200), ("staff", 200)],
)
def test_changing_a_run_needs_owner_or_staff(
    user, other_user, staff_user, who, expected
):
    run = make_run(user, name="before")
    actor = {"other": other_user, "owner": user, "staff": staff_user}[who]
    client = api_for(actor)
    assert client.get(f"/api/v1/runs/{run.hash}/").status_code == 200
    answer = client.patch(f"/api/v1/runs/{run.hash}/", {"name": "after"}, format="json")
    assert answer.status_code == expected
    run.refresh_from_db()
    assert run.name == ("after" if expected == 200 else "before")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"), [("other", 403), ("owner", 204), ("staff", 204)]
)
def test_deleting_a_run_needs_owner_or_staff(
    user, other_user, staff_user, who, expected
):
    run = make_run(user, metrics={"loss": [1.0]})
    actor = {"other": other_user, "owner": user, "staff": staff_user}[who]
    answer = api_for(actor).delete(f"/api/v1/runs/{run.hash}/")
    assert answer.status_code == expected
    assert Run.objects.filter(pk=run.pk).exists() == (expected == 403)


@pytest.mark.django_db
def test_tag_attach_needs_run_owner(user, other_user):
    run = make_run(user)
    answer = api_for(other_user).post(
        f"/api/v1/runs/{run.hash}/tags/",
        {"names": ["x"], "create_missing": True},
        format="json",
    )
    assert answer.status_code == 403
    assert run.tags.count() == 0


async def _socket(path: str, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", f"sessionid={await _session_for(user)}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


_session_for = database_sync_to_async(session_cookie)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sockets_refuse_anonymous_users():
    communicator = await _socket("/ws/runs/")
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_sockets_refuse_foreign_origins():
    user = await database_sync_to_async(make_user)()
    communicator = WebsocketCommunicator(
        application,
        "/ws/runs/",
        headers=[
            (b"origin", b"http://evil.example"),
            (b"cookie", f"sessionid={await _session_for(user)}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_signed_in_socket_receives_run_events():
    user = await database_sync_to_async(make_user)()
    communicator = await _socket("/ws/runs/", user)
    connected, _ = await communicator.connect()
    assert connected
    run = await database_sync_to_async(make_run)(user, name="watched")
    event = await communicator.receive_json_from(timeout=5)
    assert event["type"] == "run.created" and event["run"]["hash"] == run.hash
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_run_socket_streams_log_lines():
    from runs import ingest

    user = await database_sync_to_async(make_user)()
    run = await database_sync_to_async(make_run)(user)
    communicator = await _socket(f"/ws/runs/{run.hash}/", user)
    connected, _ = await communicator.connect()
    assert connected
    batch = ingest.parse_batch({"seq": 9, "logs": [{"line": 1, "text": "hello"}]})
    await database_sync_to_async(ingest.apply_batch)(run, batch)
    event = await communicator.receive_json_from(timeout=5)
    while event["type"] != "run.logs":
        event = await communicator.receive_json_from(timeout=5)
    assert event["lines"][0]["text"] == "hello"
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_run_socket_for_unknown_run_is_refused():
    user = await database_sync_to_async(make_user)()
    communicator = await _socket("/ws/runs/000000000000000000000000/", user)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()
