"""`aimsite up --demo` keeps one run training while it serves, and ends it with itself."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import requests

from tests.helpers.servers import REPO, free_port

PASSWORD = "live-demo-pass"


def _env(tmp_path) -> dict:
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "AIMSITE_DATA_DIR": str(tmp_path),
        "AIMSITE_ADMIN_PASSWORD": PASSWORD,
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return env


def _signed_in(port: int) -> requests.Session:
    session = requests.Session()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            session.get(f"{base}/accounts/login/", timeout=5)
            break
        except requests.ConnectionError:
            assert time.monotonic() < deadline, "aimsite up did not start"
            time.sleep(0.2)
    answer = session.post(
        f"{base}/accounts/login/",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    )
    assert answer.ok
    return session


def _wait_for(condition, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while (value := condition()) is None or value is False:
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.3)
    return value


def _live_state(session: requests.Session, base: str, run_hash: str) -> dict:
    series = session.get(f"{base}/api/v1/runs/{run_hash}/metrics/", timeout=10).json()
    logs = session.get(f"{base}/api/v1/runs/{run_hash}/logs", timeout=10).json()
    counts = {
        (item["name"], item["context"].get("subset")): item["count"] for item in series
    }
    return {"counts": counts, "logs": logs["total"]}


def test_up_demo_keeps_a_run_live_and_finishes_it_on_sigterm(tmp_path):
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "demo",
            "--runs-per-experiment",
            "1",
            "--steps",
            "40",
        ],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "aimsite.cli", "up", "--demo", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        session = _signed_in(port)

        def live_run():
            runs = session.get(
                f"{base}/api/v1/runs/",
                params={"q": 'run.name.startswith("cnn-live")'},
                timeout=10,
            ).json()["results"]
            return runs[0] if runs else None

        run = _wait_for(live_run)
        assert run["status"] == "active"
        first = _wait_for(
            lambda: (
                (state := _live_state(session, base, run["hash"]))["counts"].get(
                    ("loss", "train")
                )
                and state
            )
        )
        later = _wait_for(
            lambda: (
                (state := _live_state(session, base, run["hash"]))["counts"][
                    ("loss", "train")
                ]
                >= first["counts"][("loss", "train")] + 10
                and state
            )
        )
        assert later["logs"] > first["logs"]
        assert ("loss", "val") in later["counts"]
        assert ("accuracy", "train") in later["counts"]
    finally:
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    assert time.monotonic() - stopped_at < 15, "the server took too long to stop"
    assert process.returncode == 0, output
    assert "finished" in output
    with sqlite3.connect(tmp_path / "aimsite.sqlite3") as database:
        status, finished_at, created_at = database.execute(
            "SELECT status, finished_at, created_at FROM runs_run WHERE hash = ?",
            [run["hash"]],
        ).fetchone()
        system_series = database.execute(
            "SELECT s.name, s.count FROM runs_metricseries s JOIN runs_run r"
            " ON s.run_id = r.id WHERE r.hash = ? AND s.name LIKE '__system__%'",
            [run["hash"]],
        ).fetchall()
        media_kinds = database.execute(
            "SELECT DISTINCT q.kind FROM media_tracks_objectsequence q JOIN runs_run r"
            " ON q.run_id = r.id WHERE r.hash = ?",
            [run["hash"]],
        ).fetchall()
    assert status == "finished"
    assert {kind for (kind,) in media_kinds} == {
        "image",
        "audio",
        "text",
        "figure",
        "distribution",
    }
    assert finished_at is not None and finished_at > created_at
    names = {name for name, _count in system_series}
    assert {"__system__cpu", "__system__memory_percent"} <= names
    assert all(count >= 2 for _name, count in system_series), system_series
