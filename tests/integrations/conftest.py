"""Each test trains a real framework for a few seconds on CPU, logging to a real
daphne (the session's `server`), then reads what arrived through the API."""

import pytest

from aimsite.sdk import flush
from tests.helpers.clients import api_for
from tests.sdk import conftest as sdk_fixtures

# The SDK tests' fixtures, one definition for both folders: every test spools into
# its own directory; `owner` and `token` sign the runs; `token` waits at teardown
# until the SDK has delivered, while the server and the rows still exist.
spool_dir = sdk_fixtures.spool_dir
owner = sdk_fixtures.owner
token = sdk_fixtures.token
quiet = sdk_fixtures.quiet


class Arrived:
    """What the API says a run holds, once the SDK has delivered everything."""

    def __init__(self, owner, run_hash: str):
        assert flush(timeout=60), "the SDK did not deliver in 60 s"
        client = api_for(owner)
        answer = client.get(f"/api/v1/runs/{run_hash}/")
        assert answer.status_code == 200, answer.content
        self.run = answer.json()
        answer = client.get(f"/api/v1/runs/{run_hash}/metrics/")
        assert answer.status_code == 200, answer.content
        self.series = [
            item for item in answer.json() if not item["name"].startswith("__system__")
        ]
        self._client = client
        self._hash = run_hash

    @property
    def params(self) -> dict:
        return self.run["params"]

    @property
    def status(self) -> str:
        return self.run["status"]

    def names(self) -> set[tuple[str, tuple]]:
        """(name, sorted context items) of every series."""
        return {
            (item["name"], tuple(sorted(item["context"].items())))
            for item in self.series
        }

    def one(self, name: str, **context) -> dict:
        found = [
            item
            for item in self.series
            if item["name"] == name and item["context"] == context
        ]
        assert len(found) == 1, (name, context, sorted(self.names()))
        return found[0]

    def points(self, name: str, **context) -> dict:
        series = self.one(name, **context)
        answer = self._client.get(
            f"/api/v1/runs/{self._hash}/metrics/{series['id']}/points?max_points=100000"
        )
        assert answer.status_code == 200, answer.content
        return answer.json()

    def objects(self) -> list[dict]:
        answer = self._client.get(f"/api/v1/runs/{self._hash}/objects")
        assert answer.status_code == 200, answer.content
        return answer.json()


@pytest.fixture
def arrived(owner):
    """`arrived(run_hash)`: what the API holds for that run."""
    return lambda run_hash: Arrived(owner, run_hash)


@pytest.fixture
def connection(server, token):
    """The server and token the integrations log to, as their keyword arguments."""
    return {"server": server.url, "token": token}
