"""The importer tests run the real command (`python -m aimsite.cli import …`) in
its own process against the test database, then read what came over through a
real server's API, as a user would see it."""

import os
import subprocess
import sys

import pytest

from tests.helpers.clients import token_session
from tests.helpers.servers import REPO, PatientServer, database_url_for_subprocess


@pytest.fixture(scope="session")
def server(django_db_setup, django_db_blocker):
    """The session's daphne, given time to start: these tests load the machine
    with the sources' own packages in other processes."""
    with django_db_blocker.unblock():
        process = PatientServer().start()
    yield process
    process.stop()


class Api:
    """GETs on a real server's API as one user; each answer must be 200."""

    def __init__(self, server, user):
        self.base = f"{server.url}/api/v1"
        self.session = token_session(user)

    def get(self, path: str, **params):
        answer = self.session.get(f"{self.base}/{path}", params=params, timeout=30)
        assert answer.status_code == 200, (path, answer.status_code, answer.text)
        return answer.json()

    def file(self, url: str) -> bytes:
        answer = self.session.get(
            f"{self.base.removesuffix('/api/v1')}{url}", timeout=30
        )
        assert answer.status_code == 200, (url, answer.status_code)
        return answer.content

    def run(self, run_hash: str) -> dict:
        return self.get(f"runs/{run_hash}/")

    def runs(self) -> list[dict]:
        """Every run, archived ones too."""
        return self.get("runs/", q="run.archived or not run.archived", page_size=500)[
            "results"
        ]

    def series(self, run_hash: str) -> dict[tuple, dict]:
        """(name, context as sorted items) → summary with its points."""
        found = {}
        for summary in self.get(f"runs/{run_hash}/metrics/"):
            points = self.get(
                f"runs/{run_hash}/metrics/{summary['id']}/points", max_points=100000
            )
            key = (summary["name"], tuple(sorted(summary["context"].items())))
            found[key] = {**summary, "points": points}
        return found

    def objects(self, run_hash: str) -> dict[tuple, list[dict]]:
        """(kind, name, context items) → records, by step and index."""
        found = {}
        for sequence in self.get(f"runs/{run_hash}/objects"):
            records = self.get(
                f"objects/sequences/{sequence['id']}/records", limit=1000
            )["records"]
            key = (
                sequence["kind"],
                sequence["name"],
                tuple(sorted(sequence["context"].items())),
            )
            found[key] = records
        return found

    def logs(self, run_hash: str) -> list[dict]:
        return self.get(f"runs/{run_hash}/logs/")["lines"]

    def snapshot(self) -> list:
        """All runs with their series and objects, to tell whether anything changed."""
        state = []
        for run in sorted(self.runs(), key=lambda r: r["hash"]):
            run = {k: v for k, v in run.items() if k not in ("duration",)}
            state.append(
                (
                    run,
                    sorted(map(repr, self.series(run["hash"]).items())),
                    sorted(map(repr, self.objects(run["hash"]).items())),
                    self.logs(run["hash"]),
                )
            )
        return state


@pytest.fixture
def api_reader(server, user):
    return Api(server, user)


@pytest.fixture
def run_import(user):
    """Run `aimsite import KIND LOCATION …` as `user`; returns the finished process."""

    def run(kind: str, location: str, *options: str, owner: str | None = None):
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocess(),
            "PYTHONUNBUFFERED": "1",
        }
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "aimsite.cli",
                "import",
                kind,
                str(location),
                "--owner",
                owner or user.username,
                *options,
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run
