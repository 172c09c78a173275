"""`aimsite demo`: honest, finished runs with media of every kind, and a search
placeholder that finds some of them."""

import re
from html import unescape

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from aimsite.demo.live import LiveDemoRun
from media_tracks.models import ObjectRecord, ObjectSequence
from runs.models import Run
from runs.services import expire_silent_runs
from tests.factories import make_user
from tests.helpers.clients import signed_in_session

PLACEHOLDER = re.compile(r'id="runs-query"[^>]*placeholder="([^"]+)"', re.S)


@pytest.mark.django_db
def test_every_demo_run_carries_media_of_each_kind():
    call_command("demo", runs_per_experiment=2, steps=40, verbosity=0)
    runs = list(Run.objects.all())
    assert len(runs) == 6
    for run in runs:
        kinds = set(
            ObjectSequence.objects.filter(run=run).values_list("kind", flat=True)
        )
        assert kinds == set(ObjectSequence.Kind.values), (run.name, kinds)


def test_the_live_demo_run_carries_every_kind_and_adds_media_at_each_validation(user):
    live = LiveDemoRun(user)
    live._create()
    for _tick in range(11):  # steps 0-54: validation at steps 0 and 50
        live._tick()
    kinds = set(
        ObjectSequence.objects.filter(run=live.run).values_list("kind", flat=True)
    )
    assert kinds == set(ObjectSequence.Kind.values)
    image_steps = ObjectRecord.objects.filter(
        sequence__run=live.run, sequence__kind="image"
    ).values_list("step", flat=True)
    assert sorted(set(image_steps)) == [0, 50]


@pytest.mark.django_db
def test_demo_runs_are_finished_with_honest_end_times_and_never_expire():
    call_command("demo", runs_per_experiment=3, steps=40, verbosity=0)
    runs = list(Run.objects.all())
    assert {run.status for run in runs} <= {"finished", "failed"}
    for run in runs:
        assert run.finished_at is not None, run.name
        last_time = max(
            series.last_time
            for series in run.metrics.all()
            if series.last_time is not None
        )
        # The run ended when its last point was tracked, and in the past.
        assert abs(run.finished_at.timestamp() - last_time) < 1, run.name
        assert run.created_at < run.finished_at < timezone.now()
    # Even with no patience at all, the heartbeat sweeper finds nothing to fail.
    with override_settings(AIMSITE_HEARTBEAT_TIMEOUT=0):
        assert expire_silent_runs() == 0


@pytest.mark.django_db(transaction=True)
def test_the_explorer_placeholder_query_finds_demo_runs(server):
    call_command("demo", runs_per_experiment=4, steps=40, verbosity=0)
    session = signed_in_session(make_user("newcomer"))
    page = session.get(f"{server.url}/", timeout=10).text
    if 'id="runs-query"' not in page:  # the explorer lives at /runs/ beside Home
        page = session.get(f"{server.url}/runs/", timeout=10).text
    placeholder = unescape(PLACEHOLDER.search(page).group(1))
    answer = session.get(
        f"{server.url}/api/v1/runs/", params={"q": placeholder}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["results"], placeholder
