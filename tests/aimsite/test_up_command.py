import os
import socket
import subprocess
import sys
import time

import requests

from tests.helpers.servers import REPO, free_port


def _start_up(tmp_path, **env_overrides) -> tuple[subprocess.Popen, int]:
    """`aimsite up` on the embedded default in tmp_path, once it answers HTTP."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "AIMSITE_DATA_DIR": str(tmp_path)}
    for name in ("DATABASE_URL", "AIMSITE_ADMIN_PASSWORD"):
        env.pop(name, None)
    env.update(env_overrides)
    process = subprocess.Popen(
        [sys.executable, "-m", "aimsite.cli", "up", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    return process, port


def _stop(process: subprocess.Popen) -> str:
    process.terminate()
    return process.communicate(timeout=10)[0]


def test_up_migrates_creates_the_admin_and_serves(tmp_path):
    process, port = _start_up(tmp_path, AIMSITE_ADMIN_PASSWORD="s3cret-pass")
    try:
        answer = requests.get(
            f"http://127.0.0.1:{port}/", timeout=5, allow_redirects=False
        )
        assert answer.status_code == 302
        session = requests.Session()
        login = session.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
        assert login.status_code == 200
        signed_in = session.post(
            f"http://127.0.0.1:{port}/accounts/login/",
            data={
                "username": "admin",
                "password": "s3cret-pass",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"http://127.0.0.1:{port}/accounts/login/"},
            timeout=5,
        )
        assert signed_in.status_code == 200 and "Runs" in signed_in.text
    finally:
        output = _stop(process)
    assert f"http://127.0.0.1:{port}/" in output
    assert "Sign in as 'admin'" in output
    assert (tmp_path / "aimsite.sqlite3").exists()


def test_up_without_users_says_how_to_create_one(tmp_path):
    process, _port = _start_up(tmp_path)
    output = _stop(process)
    assert "aimsite createsuperuser" in output


def _raw_answer(port: int, head: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_up_answers_over_long_requests_with_414_and_431(tmp_path):
    process, port = _start_up(tmp_path)
    try:
        long_url = b"GET /?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        long_header = (
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n"
        )
        assert _raw_answer(port, long_url).startswith(b"HTTP/1.1 414 URI Too Long\r\n")
        assert _raw_answer(port, long_header).startswith(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
        )
        assert requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).ok
    finally:
        _stop(process)
