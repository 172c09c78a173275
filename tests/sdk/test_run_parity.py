"""The parts of `aim.Run` beyond tracking (issue 15, point 1), against a real daphne."""

import pytest

from aimsite.sdk import ReadOnlyRunError, Run
from runs.models import LogLine, MetricSeries
from runs.models import Run as RunModel
from tests.factories import make_run, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_read_only_opens_a_run_without_changing_it(server, owner, token):
    stored = make_run(owner, name="done", params={"lr": 0.1}, status="finished")
    before = RunModel.objects.get(pk=stored.pk)

    # Defaults on: a read-only run must still start nothing.
    run = Run(stored.hash, read_only=True, server=server.url, token=token)
    assert run.read_only and run.name == "done" and run["lr"] == 0.1
    assert run.get("missing", 3) == 3
    print("printed while a read-only run is open")
    for write in (
        lambda: run.__setitem__("lr", 1),
        lambda: run.track(1.0, name="loss"),
        lambda: run.add_tag("x"),
        lambda: setattr(run, "name", "changed"),
    ):
        with pytest.raises(ReadOnlyRunError, match="read_only=True"):
            write()
    run.close()
    with Run(stored.hash, read_only=True, server=server.url, token=token):
        pass

    after = RunModel.objects.get(pk=stored.pk)
    assert after.status == "finished" and after.params == {"lr": 0.1}
    assert after.updated_at == before.updated_at
    assert after.last_heartbeat == before.last_heartbeat
    assert not LogLine.objects.filter(run=after).exists()
    assert not MetricSeries.objects.filter(run=after).exists()


def test_read_only_needs_an_existing_run(server, token):
    with pytest.raises(ValueError, match="pass its run_hash"):
        Run(read_only=True, server=server.url, token=token)
    with pytest.raises(LookupError, match="there is no run"):
        Run("0" * 24, read_only=True, server=server.url, token=token)


def test_read_only_reads_another_users_run(server, token):
    stored = make_run(make_user("someone-else"), name="theirs")
    run = Run(stored.hash, read_only=True, server=server.url, token=token)
    assert run.name == "theirs"
