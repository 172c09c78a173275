"""Nothing lost, nothing twice: server restarts, killed processes, spools, concurrency."""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest
from django.core.management import call_command

from aimsite.sdk import Run, flush
from runs.models import LogLine, MetricSeries
from runs.models import Run as RunModel
from runs.points import read_points
from tests.helpers.children import run_child
from tests.helpers.servers import REPO, PatientServer

pytestmark = pytest.mark.django_db(transaction=True)

QUIET = "system_tracking_interval=None, capture_terminal_logs=False, log_system_params=False"


def _steps(run_hash: str, name: str = "loss") -> list[int]:
    return read_points(
        MetricSeries.objects.get(run__hash=run_hash, name=name)
    ).steps.tolist()


def _wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@contextlib.contextmanager
def _child_killed_at_the_end(code: str, server_url: str, token: str):
    """A Python child logging to `server_url`; its stdout is yielded, and it is
    SIGKILLed (no exit handlers run) when the block ends."""
    env = {**os.environ, "AIMSITE_SERVER": server_url, "AIMSITE_TOKEN": token}
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield child.stdout
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


@pytest.fixture
def own_server(transactional_db):
    """A daphne this test may stop and restart on the same port."""
    process = PatientServer()
    yield process
    process.stop()


def test_server_stopped_and_restarted_mid_run_loses_nothing_and_repeats_nothing(
    own_server, token, quiet
):
    own_server.start()
    run = Run(server=own_server.url, token=token, **quiet)
    run["phase"] = "before"
    for step in range(300):
        run.track(float(step), name="loss")
    run.log_lines(["before the outage"])
    _wait_for(lambda: RunModel.objects.filter(hash=run.hash).exists())

    own_server.stop()
    for step in range(300, 600):
        run.track(float(step), name="loss")
    run.log_lines(["during the outage"])
    run["phase"] = "during"
    _wait_for(lambda: run._sender.spool.count > 0)  # the sender met the outage

    own_server.start()
    for step in range(600, 900):
        run.track(float(step), name="loss")
    run.log_lines(["after the outage"])
    run.close(wait=True)

    assert _steps(run.hash) == list(range(900))
    series = MetricSeries.objects.get(run__hash=run.hash, name="loss")
    assert series.count == 900 and series.last == 899.0
    texts = list(
        LogLine.objects.filter(run__hash=run.hash)
        .order_by("line")
        .values_list("text", flat=True)
    )
    assert texts == ["before the outage", "during the outage", "after the outage"]
    stored = RunModel.objects.get(hash=run.hash)
    assert stored.params == {"phase": "during"} and stored.status == "finished"
    assert not list(run._spool_dir.glob("*.spool"))


CHILD_KILLED = f"""
    import time
    from aimsite.sdk import Run
    run = Run(experiment="killed", {QUIET})
    print(run.hash, flush=True)
    run["hparams"] = {{"lr": 0.5}}
    for step in range(500):
        run.track(float(step), name="loss")
    while run._sender.spool.count < 1:  # the first flush met the outage
        time.sleep(0.02)
    for step in range(500, 1000):
        run.track(float(step), name="loss")
    run.log_lines(["tracked while the server was down"])
    while run._sender.spool.count < 2:
        time.sleep(0.02)
    print("spooled", flush=True)
    time.sleep(120)
"""


def test_a_killed_process_leaves_a_spool_that_the_next_run_sends(
    own_server, token, quiet, spool_dir
):
    with _child_killed_at_the_end(CHILD_KILLED, own_server.url, token) as output:
        run_hash = output.readline().strip()
        assert output.readline().strip() == "spooled"
    assert len(list(spool_dir.glob("*.spool"))) == 1

    own_server.start()
    with Run(server=own_server.url, token=token, **quiet) as next_run:
        next_run.track(1.0, name="loss")
    flush()

    assert _steps(run_hash) == list(range(1000))
    stored = RunModel.objects.get(hash=run_hash)
    assert stored.experiment.name == "killed" and stored.params == {
        "hparams": {"lr": 0.5}
    }
    assert LogLine.objects.filter(run=stored).count() == 1
    assert _steps(next_run.hash) == [0]
    assert not list(spool_dir.glob("*.spool"))


def test_a_process_that_exits_while_the_server_is_down_is_sent_by_aimsite_sync(
    own_server, token, spool_dir
):
    env = {"AIMSITE_SERVER": own_server.url, "AIMSITE_TOKEN": token}
    done = run_child(
        f"""
        from aimsite.sdk import Run
        run = Run(experiment="offline", {QUIET})
        print(run.hash)
        for step in range(500):
            run.track(float(step), name="loss", context={{"subset": "train"}})
        """,
        env,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "aimsite sync" in done.stderr
    )  # it tells where the data is and how to send it
    run_hash = done.stdout.split()[0]

    own_server.start()
    call_command("sync", server=own_server.url, token=token, spool_dir=str(spool_dir))
    stored = RunModel.objects.get(hash=run_hash)
    assert stored.status == "finished"
    series = MetricSeries.objects.get(run=stored, name="loss")
    assert series.count == 500 and series.context == {"subset": "train"}
    assert not list(spool_dir.glob("*.spool"))


def test_sync_refuses_to_run_without_a_token(spool_dir, monkeypatch):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="token"):
        call_command(
            "sync", server="http://127.0.0.1:9", token=None, spool_dir=str(spool_dir)
        )


def test_four_processes_tracking_at_once_lose_nothing(server, token):
    code = f"""
        import time
        from aimsite.sdk import Run
        run = Run(experiment="parallel", {QUIET})
        run["hparams"] = {{"worker": 1}}
        for chunk in range(8):
            for step in range(chunk * 1000, (chunk + 1) * 1000):
                run.track(float(step), name="loss", context={{"subset": "train"}})
                run.track(float(step), name="acc")
            run.log_lines([f"chunk {{chunk}}"])
            time.sleep(0.15)
        run.close()
        print(run.hash)
    """
    env = {**os.environ, "AIMSITE_SERVER": server.url, "AIMSITE_TOKEN": token}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert "Warning" not in err, err
    for out, _err in outputs:
        run_hash = out.strip()
        loss = MetricSeries.objects.get(run__hash=run_hash, name="loss")
        assert read_points(loss).steps.tolist() == list(range(8000))
        assert MetricSeries.objects.get(run__hash=run_hash, name="acc").count == 8000
        assert LogLine.objects.filter(run__hash=run_hash).count() == 8
    assert "database is locked" not in server.log_path.read_text()


def test_an_uncaught_exception_marks_the_run_failed_with_its_traceback(server, token):
    done = run_child(
        """
        from aimsite.sdk import Run
        run = Run(system_tracking_interval=None, log_system_params=False)
        print(run.hash, flush=True)
        run.track(1.0, name="loss")
        raise RuntimeError("boom in training")
        """,
        {"AIMSITE_SERVER": server.url, "AIMSITE_TOKEN": token},
    )
    assert done.returncode == 1 and "boom in training" in done.stderr
    stored = RunModel.objects.get(hash=done.stdout.split()[0])
    assert stored.status == "failed"
    log = "\n".join(
        LogLine.objects.filter(run=stored)
        .order_by("line")
        .values_list("text", flat=True)
    )
    assert (
        "Traceback (most recent call last)" in log
        and "RuntimeError: boom in training" in log
    )


def test_a_script_that_never_calls_close_is_finished_at_exit(server, token):
    done = run_child(
        f"""
        from aimsite.sdk import Run
        run = Run({QUIET})
        print(run.hash)
        for step in range(10):
            run.track(float(step), name="loss")
        """,
        {"AIMSITE_SERVER": server.url, "AIMSITE_TOKEN": token},
    )
    assert done.returncode == 0, done.stderr
    stored = RunModel.objects.get(hash=done.stdout.split()[0])
    assert stored.status == "finished" and _steps(stored.hash) == list(range(10))


def test_short_runs_closed_in_a_row_all_arrive_whole(server, token, quiet):
    runs = []
    for index in range(30):
        run = Run(experiment="sweep", server=server.url, token=token, **quiet)
        run["hparams"] = {"index": index}
        run.add_tag(f"group-{index % 3}")
        for step in range(5):
            run.track(index + step * 0.1, name="loss")
        run.close()  # hands off at once; the courier sends them in bulk
        runs.append(run)
    assert flush(timeout=60)
    stored = {
        run.hash: run
        for run in RunModel.objects.filter(experiment__name="sweep").prefetch_related(
            "tags"
        )
    }
    assert len(stored) == 30
    for index, run in enumerate(runs):
        row = stored[run.hash]
        assert row.status == "finished" and row.params == {"hparams": {"index": index}}
        assert [tag.name for tag in row.tags.all()] == [f"group-{index % 3}"]
        assert _steps(run.hash) == [0, 1, 2, 3, 4]


def test_runs_closed_while_the_server_is_down_arrive_when_it_is_back(
    own_server, token, quiet, spool_dir
):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        runs = []
        for index in range(5):
            run = Run(experiment="outage", server=own_server.url, token=token, **quiet)
            run["index"] = index
            run.track(float(index), name="loss")
            run.close()
            runs.append(run)
        assert flush(timeout=60)  # delivered or on disk: here, on disk
    assert any("cannot reach" in str(w.message) for w in caught)
    assert list(spool_dir.glob("*.spool"))  # the courier kept its journal

    own_server.start()  # the courier resends the spool by itself, with backoff
    _wait_for(
        lambda: (
            RunModel.objects.filter(
                experiment__name="outage", status="finished"
            ).count()
            == 5
        )
    )
    _wait_for(lambda: not list(spool_dir.glob("*.spool")))
    for index, run in enumerate(runs):
        assert RunModel.objects.get(hash=run.hash).params == {"index": index}
        assert _steps(run.hash) == [0]


def test_close_with_wait_returns_once_the_server_has_the_run(server, token, quiet):
    for _ in range(5):
        run = Run(server=server.url, token=token, **quiet)
        run.track(1.0, name="loss")
        run.close(wait=True)
        assert RunModel.objects.get(hash=run.hash).status == "finished"


CHILD_CLOSED_THEN_KILLED = f"""
    import time
    from aimsite.sdk import Run
    hashes = []
    for index in range(3):
        run = Run(experiment="frozen", {QUIET})
        run["index"] = index
        run.track(float(index), name="loss")
        run.close()  # returns at once: the run waits in the courier's journal
        hashes.append(run.hash)
    print(" ".join(hashes), flush=True)
    time.sleep(120)
"""


def test_runs_closed_just_before_the_process_is_killed_are_sent_by_the_next_run(
    own_server, token, quiet, spool_dir
):
    own_server.start()
    # A stopped server takes connections and answers nothing: the child's courier
    # is still waiting when the child is killed.
    os.kill(own_server.process.pid, signal.SIGSTOP)
    try:
        with _child_killed_at_the_end(
            CHILD_CLOSED_THEN_KILLED, own_server.url, token
        ) as output:
            hashes = output.readline().split()
        assert len(hashes) == 3 and list(spool_dir.glob("*.spool"))
    finally:
        os.kill(own_server.process.pid, signal.SIGCONT)

    with Run(server=own_server.url, token=token, **quiet) as next_run:
        next_run.track(1.0, name="loss")
    flush()
    for index, run_hash in enumerate(hashes):
        stored = RunModel.objects.get(hash=run_hash)
        assert stored.status == "finished" and stored.params == {"index": index}
        assert _steps(run_hash) == [0]
    assert not list(spool_dir.glob("*.spool"))


def test_a_multiprocessing_pool_sweep_has_every_run_on_the_server_when_it_ends(
    server, token
):
    done = run_child(
        f"""
        import multiprocessing
        from aimsite.sdk import Run

        def train(index):
            run = Run(experiment="pool", {QUIET})
            run["index"] = index
            for step in range(3):
                run.track(index + step / 10, name="loss")
            run.close()
            return run.hash

        if __name__ == "__main__":
            # The pool is terminated as soon as map() returns.
            with multiprocessing.get_context("fork").Pool(2) as pool:
                print(" ".join(pool.map(train, range(6))))
        """,
        {"AIMSITE_SERVER": server.url, "AIMSITE_TOKEN": token},
    )
    assert done.returncode == 0, done.stderr
    hashes = done.stdout.split()
    for index, run_hash in enumerate(hashes):
        stored = RunModel.objects.get(hash=run_hash)
        assert stored.status == "finished" and stored.params == {"index": index}
        assert _steps(run_hash) == [0, 1, 2]
