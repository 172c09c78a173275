"""The Home page at the site root, and old runs-explorer links redirected to /runs/."""

import re
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from experiments.models import ExperimentPin
from experiments.services import save_notes, set_pinned
from tests.factories import make_experiment, make_run, make_tag, make_user
from tests.helpers.clients import signed_in_client, signed_in_session

pytestmark = pytest.mark.django_db(transaction=True)


def _count(html: str, card: str) -> str:
    block = html.split(f'data-count-card="{card}"', 1)[1]
    return re.search(r"data-count>([^<]*)<", block).group(1)


def test_home_of_a_fresh_install_shows_empty_states(server):
    user = make_user()
    answer = signed_in_session(user).get(f"{server.url}/", timeout=10)
    assert answer.status_code == 200
    html = answer.text
    assert 'id="welcome"' in html and "aimsite demo" in html
    for empty in ("pinned", "searches", "activity"):
        assert f'data-empty="{empty}"' in html
    assert _count(html, "runs") == "0" and _count(html, "series") == "0"
    for name, path in [
        ("runs", "/runs/"),
        ("metrics", "/metrics/"),
        ("params", "/params/"),
        ("scatters", "/scatters/"),
    ]:
        assert f'href="{path}" data-explorer-link="{name}"' in html


def test_home_counts_and_activity_across_experiments(server):
    user = make_user()
    make_run(user, experiment="mnist", name="first", metrics={"loss": [1.0, 0.5]})
    done = make_run(
        user, experiment="cifar", name="done", status="finished", metrics={"acc": [1]}
    )
    make_run(user, experiment="cifar", name="shelved-run", is_archived=True)
    make_run(
        user,
        experiment="mnist",
        name="__system__only",
        metrics={"__system__cpu": [3.0, 4.0, 5.0]},
    )
    make_tag("best")
    cifar = done.experiment
    save_notes(cifar, user, "# Plan")
    html = signed_in_session(user).get(f"{server.url}/", timeout=10).text
    assert 'id="welcome"' not in html
    assert _count(html, "runs") == "3"  # the archived run is left out
    assert _count(html, "active") == "2"
    assert _count(html, "experiments") == "2"
    assert _count(html, "tags") == "1"
    assert _count(html, "series") == "2"  # system metrics are left out
    assert "3 points" in html
    kinds = re.findall(r'data-activity="(\w+)"', html)
    assert kinds[0] == "notes" and kinds.count("created") == 3
    assert kinds.count("finished") == 1
    assert "shelved-run" not in html
    # the calendar counts today's runs in every experiment and links to them
    today = timezone.localdate().isoformat()
    cell = re.search(rf'<a class="calendar-cell[^>]*data-date="{today}"[^>]*>', html)
    assert 'data-count="3"' in cell.group(0)
    assert "/runs/?q=datetime" in cell.group(0)


def test_activity_lists_the_newest_events_first(server):
    user = make_user()
    now = timezone.now()
    make_run(user, name="old", created_at=now - timedelta(days=3))
    make_run(
        user,
        name="ended",
        status="failed",
        created_at=now - timedelta(days=2),
    )
    html = signed_in_session(user).get(f"{server.url}/", timeout=10).text
    feed = html.split('id="activity-feed"', 1)[1]
    assert re.findall(r'data-activity="(\w+)"', feed) == [
        "failed",
        "created",
        "created",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "q=run.hparams.lr+%3E+0.01",
        "q=run.active&sort=-name",
        "sort=name&page=2",
        "q=%22caf%C3%A9%22+in+run.tags",
    ],
)
def test_an_old_runs_explorer_link_redirects_with_the_same_query(server, query):
    user = make_user()
    answer = signed_in_session(user).get(
        f"{server.url}/?{query}", timeout=10, allow_redirects=False
    )
    assert answer.status_code == 301
    assert answer.headers["Location"] == f"/runs/?{query}"


def test_home_and_redirect_need_a_signed_in_user(server):
    for path in ("/", "/?q=run.active"):
        answer = requests.get(f"{server.url}{path}", timeout=10, allow_redirects=False)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/accounts/login/")


def test_home_refuses_other_methods(server):
    session = signed_in_session(make_user())
    session.get(f"{server.url}/", timeout=10)
    answer = session.post(
        f"{server.url}/",
        headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
        timeout=10,
    )
    assert answer.status_code in (403, 405)


def test_pinned_experiments_are_per_user_latest_first(server):
    alice, bob = make_user(), make_user()
    first = make_experiment("first")
    second = make_experiment("second")
    make_experiment("unpinned")
    set_pinned(first, alice)
    set_pinned(second, alice)
    set_pinned(second, alice)  # twice is once
    assert ExperimentPin.objects.filter(user=alice).count() == 2
    html = signed_in_session(alice).get(f"{server.url}/", timeout=10).text
    assert re.findall(r'data-pinned="([^"]+)"', html) == ["second", "first"]
    other = signed_in_session(bob).get(f"{server.url}/", timeout=10).text
    assert 'data-pinned="' not in other and 'data-empty="pinned"' in other


def test_pinned_names_are_escaped(server):
    user = make_user()
    set_pinned(make_experiment('<img src=x onerror="alert(1)">'), user)
    html = signed_in_session(user).get(f"{server.url}/", timeout=10).text
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_home_reads_a_fixed_number_of_queries_whatever_the_data(db):
    user = make_user()
    client = signed_in_client(user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured.captured_queries)

    make_run(user, experiment="a", status="finished", metrics={"loss": [1.0]})
    set_pinned(make_experiment("pinned-1"), user)
    few = queries()
    for index in range(15):
        make_run(user, experiment=f"e{index % 4}", status="failed", metrics={"x": [1]})
        set_pinned(make_experiment(f"pinned-more-{index}"), user)
        save_notes(make_experiment(f"noted-{index}", owner=user), user, "note")
    assert queries() == few
