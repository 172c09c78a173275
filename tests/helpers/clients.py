"""The one way to be signed in, per transport.

- `signed_in_client(user)`: an in-process client with a session (pages and API).
- `api_for(user)`: an in-process client with a bearer token, as the SDK calls the API.
- `session_cookie(user)`: a session id any server on the test database accepts,
  for websockets against a real server.
- `signed_in_session(user)` / `token_session(user)`: `requests` sessions for a real
  `ServerProcess`, with that cookie or with a token.
- `sign_in(page, server, user)`: a browser page signed in through the login form.

Tests that check the login form, tokens themselves or anonymous access build their
clients by hand on purpose.
"""

import requests
from rest_framework.test import APIClient

from tests.factories import make_token


def signed_in_client(user) -> APIClient:
    """A client signed in as `user` with a session; APIClient serves pages too."""
    client = APIClient()
    client.force_login(user)
    client.user = user
    return client


def api_for(user) -> APIClient:
    """A client calling the API as `user` with a fresh bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")
    client.user = user
    return client


def session_cookie(user) -> str:
    """The value of a `sessionid` cookie signed in as `user`.

    The session lives in the test database, so a real server sharing it (and the
    in-process ASGI application) accepts it.
    """
    return signed_in_client(user).cookies["sessionid"].value


def signed_in_session(user) -> requests.Session:
    """A requests session signed in as `user`, for a real server on the test DB."""
    session = requests.Session()
    session.cookies.set("sessionid", session_cookie(user))
    return session


def token_session(user) -> requests.Session:
    """A requests session calling a real server's API as `user` with a bearer token."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {make_token(user)}"
    return session


def sign_in(page, server, user) -> None:
    """Sign a browser page in through the login form, as a person would."""
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
