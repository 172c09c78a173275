"""A real daphne serving aimsite against the test database, and what it needs."""

import fcntl
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.db import connection

REPO = Path(__file__).resolve().parent.parent.parent


# Collected static files are shared by this checkout's test sessions: collecting
# (hashing, gzip of Plotly) takes seconds, and a source change is noticed anyway.
STATIC_ROOT = Path(
    os.environ.get("AIMSITE_TEST_STATIC_ROOT")
    or Path("/tmp")
    / f"aimsite-test-static-{hashlib.md5(str(REPO).encode()).hexdigest()[:10]}"
)

_collected: list[bool] = []


def collect_static() -> dict[str, str]:
    """Collect static files for servers (once per change); the env that points them there.

    The in-process test client keeps the plain names (its STATIC_ROOT stays empty),
    so tests of rendered pages do not depend on whether a server started first.
    """
    answer = {"AIMSITE_STATIC_ROOT": str(STATIC_ROOT)}
    if _collected:
        return answer
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **answer}
    with open(STATIC_ROOT.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions of one checkout at once
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from aimsite.static_files import collect_if_needed; collect_if_needed()",
            ],
            cwd=REPO,
            env={**env, "DJANGO_SETTINGS_MODULE": "aimsite.settings"},
            check=True,
        )
    _collected.append(True)
    return answer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_subprocess() -> str:
    """The test database as a DATABASE_URL, so a server process shares it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class ServerProcess:
    """A real daphne on 127.0.0.1 serving aimsite against the test database."""

    def __init__(self, port: int | None = None, extra_env: dict | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(os.environ["AIMSITE_DATA_DIR"]) / f"daphne-{self.port}.log"

    def start(self, timeout: float = 20, answer_timeout: float = 1) -> "ServerProcess":
        env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocess(),
            **collect_static(),
            **self.extra_env,
        }
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            self.command(),
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"daphne exited: {self.log_path.read_text()[-2000:]}"
                )
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=answer_timeout)
                return self
            except (
                requests.ConnectionError,
                requests.Timeout,
            ):  # a cold start under load
                time.sleep(0.05)
        raise RuntimeError("daphne did not start in time")

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(self.port),
            "aimsite.asgi:application",
        ]

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean shutdown."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class PatientServer(ServerProcess):
    """A ServerProcess that also waits out slow answers while daphne starts on a busy machine."""

    def start(self, timeout: float = 60, answer_timeout: float = 5) -> "PatientServer":
        return super().start(timeout=timeout, answer_timeout=answer_timeout)


class UpServer(PatientServer):
    """`aimsite up --no-migrate` on its own port, as the README's production section
    starts each of several processes behind a proxy."""

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "aimsite.cli",
            "up",
            "--no-migrate",
            "--port",
            str(self.port),
        ]
