"""A query past the time budget, over HTTP against a real daphne with
AIMSITE_QUERY_TIMEOUT=1: every surface answers 400 saying so, writes nothing,
and other requests are served meanwhile. Runs on DATABASE_URL's database.

The slow query is linear but heavy: a regular expression whose automaton RE2
and PostgreSQL cannot keep small, over 2,000 descriptions of 5,000 characters
(about 7 s on PostgreSQL and 12 s on SQLite unbounded).
"""

import json
import random
import threading

import pytest
import requests
from django.db import connection
from django.utils import timezone

from runs.models import Run
from tests.conftest import ServerProcess
from tests.factories import make_experiment, make_token, new_hash

pytestmark = pytest.mark.django_db(transaction=True)

HEAVY = "re.search('a.{200}x', run.description)"
TIMEOUT_MESSAGE = "the query took longer than 1 s; narrow it"

AB = str.maketrans("01", "ab")


@pytest.fixture(scope="module")
def budget_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        process = ServerProcess(extra_env={"AIMSITE_QUERY_TIMEOUT": "1"}).start()
    yield process
    process.stop()


def _ab_text(rng: random.Random, length: int) -> str:
    return format(rng.getrandbits(length), f"0{length}b").translate(AB)


def _heavy_runs(owner, count: int = 2000, first: int = 0) -> None:
    rng = random.Random(first)
    experiment = make_experiment()
    now = timezone.now()
    Run.objects.bulk_create(
        (
            Run(
                hash=new_hash(),
                name=f"heavy-{first + index}",
                description=_ab_text(rng, 5000),
                experiment=experiment,
                owner=owner,
                created_at=now,
                updated_at=now,
            )
            for index in range(count)
        ),
        batch_size=500,
    )


@pytest.fixture
def api_session(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {make_token(user)}"
    return session


@pytest.fixture
def signed_in(budget_server, user) -> requests.Session:
    session = requests.Session()
    login = f"{budget_server.url}/accounts/login/"
    session.get(login, timeout=30)
    session.post(
        login,
        data={
            "username": user.username,
            "password": user.raw_password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": login},
        timeout=30,
    )
    return session


def test_a_query_past_the_budget_answers_400_while_other_requests_are_served(
    budget_server, api_session, user
):
    _heavy_runs(user)
    url = f"{budget_server.url}/api/v1/runs/"
    answers: list[requests.Response] = []
    hostile = threading.Thread(
        target=lambda: answers.append(
            requests.get(
                url,
                params={"q": HEAVY},
                headers=api_session.headers,
                timeout=120,
            )
        )
    )
    hostile.start()
    plain = []
    while hostile.is_alive() or len(plain) < 3:
        plain.append(api_session.get(url, params={"page_size": 1}, timeout=120))
    hostile.join()
    assert [response.status_code for response in plain] == [200] * len(plain)
    assert all(len(response.json()["results"]) == 1 for response in plain)
    assert answers[0].status_code == 400
    assert answers[0].json() == {"error": TIMEOUT_MESSAGE}


def test_the_explorer_shows_a_query_past_the_budget_in_the_search_bar(
    budget_server, signed_in, user
):
    _heavy_runs(user)
    page = signed_in.get(f"{budget_server.url}/", params={"q": HEAVY}, timeout=120)
    assert page.status_code == 400
    assert "data-query-error" in page.text and TIMEOUT_MESSAGE in page.text
    assert 'id="runs-query"' in page.text  # the page with its search bar
    table = signed_in.get(
        f"{budget_server.url}/runs/table", params={"q": HEAVY}, timeout=120
    )
    assert table.status_code == 400
    assert "data-query-error" in table.text and TIMEOUT_MESSAGE in table.text


@pytest.mark.parametrize("columns", [None, "[]"])
def test_csv_export_of_a_query_past_the_budget_answers_400(
    budget_server, api_session, user, columns
):
    _heavy_runs(user)
    params = {"q": HEAVY} | ({"columns": columns} if columns else {})
    response = api_session.get(
        f"{budget_server.url}/api/v1/runs/export.csv", params=params, timeout=120
    )
    assert response.status_code == 400
    assert response.json() == {"error": TIMEOUT_MESSAGE}


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="PostgreSQL's plan for the first chunk reads every row (a sort, not the"
    " id index), so no later chunk is slower than the first",
)
def test_csv_export_past_the_budget_after_its_first_chunk_ends_with_an_error_line(
    budget_server, api_session, user
):
    # The first 2,000 runs match at once; looking for more past them runs into
    # the budget after the 200 has gone out with the first lines.
    experiment = make_experiment()
    now = timezone.now()
    Run.objects.bulk_create(
        Run(
            hash=new_hash(),
            name=f"quick-{index}",
            description="x",
            experiment=experiment,
            owner=user,
            created_at=now,
            updated_at=now,
        )
        for index in range(2000)
    )
    _heavy_runs(user)
    response = api_session.get(
        f"{budget_server.url}/api/v1/runs/export.csv",
        params={"q": "re.search('^x$|a.{200}x', run.description)", "columns": "[]"},
        timeout=120,
    )
    lines = response.text.splitlines()
    assert response.status_code == 200
    assert len(lines) == 1 + 2000 + 1
    assert all(line.split(",")[1].startswith("quick-") for line in lines[1:-1])
    assert lines[-1] == f"error: the export stops here: {TIMEOUT_MESSAGE}"


def test_archiving_by_a_query_past_the_budget_answers_400_and_archives_nothing(
    budget_server, api_session, user
):
    _heavy_runs(user)
    # Unbounded, this would archive the half of the runs ending with "b".
    response = api_session.post(
        f"{budget_server.url}/api/v1/runs/archive",
        data=json.dumps({"q": "re.search('a.{200}x|b$', run.description)"}),
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert response.status_code == 400
    assert response.json() == {"error": TIMEOUT_MESSAGE}
    assert not Run.objects.filter(is_archived=True).exists()
