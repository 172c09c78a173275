import os
import signal
import struct
import subprocess
import sys

import psutil
import pytest

from experiments.markdown.renderer import (
    MarkdownRefused,
    Renderer,
    RendererBusy,
    render_markdown,
)
from tests.helpers.servers import REPO

# Unclosed link targets: Python-Markdown needs minutes for this, far past any budget.
TOO_SLOW = "[a](" * 25_000


@pytest.fixture
def renderer():
    renderer = Renderer(budget=0.5)
    yield renderer
    renderer.close()


def test_renders_and_sanitises_in_the_child_process(renderer):
    html = renderer.render(
        "**bold** <script>alert(1)</script><img src=x onerror=alert(1)>"
        " [x](javascript:alert(1))"
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html
    assert "javascript:" not in html
    assert renderer.child_pid != os.getpid()


def test_a_text_past_the_budget_is_refused_and_its_process_killed(renderer):
    renderer.render("warm up")
    slow_pid = renderer.child_pid
    with pytest.raises(MarkdownRefused) as refused:
        renderer.render(TOO_SLOW)
    assert "too complex to render within 0.5 s" in refused.value.messages[0]
    assert not psutil.pid_exists(slow_pid)
    assert renderer.render("*fine*") == "<p><em>fine</em></p>"
    assert renderer.child_pid != slow_pid


def test_a_renderer_killed_from_outside_is_replaced(renderer):
    renderer.render("warm up")
    os.kill(renderer.child_pid, signal.SIGKILL)
    assert renderer.render("*again*") == "<p><em>again</em></p>"


def test_a_request_finding_the_renderer_busy_is_refused(renderer):
    with renderer._lock, pytest.raises(RendererBusy, match="busy"):
        renderer.render("waits for the renderer")


def test_a_lone_surrogate_is_refused_with_a_message(renderer):
    with pytest.raises(MarkdownRefused, match="invalid character"):
        renderer.render("a\ud800b")


def test_empty_notes_render_to_nothing_without_a_process():
    assert render_markdown("") == ""


def _start_worker(budget: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "experiments.markdown.worker", budget],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_worker_ends_itself_when_a_render_runs_far_past_the_budget():
    # The server normally kills it first; this alarm covers a server that died.
    worker = _start_worker("0.05")
    assert worker.stdout.read(5) == b"r\x00\x00\x00\x00"
    payload = TOO_SLOW.encode()
    worker.stdin.write(struct.pack(">cI", b"t", len(payload)) + payload)
    worker.stdin.flush()
    assert worker.wait(timeout=120) == -signal.SIGALRM


def test_worker_exits_when_its_server_goes_away():
    worker = _start_worker("1")
    assert worker.stdout.read(5) == b"r\x00\x00\x00\x00"
    worker.stdin.close()
    assert worker.wait(timeout=120) == 0
