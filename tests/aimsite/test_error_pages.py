"""404, 403 and 500 answers of a real server: the site's layout for pages, JSON for the API."""

import pytest
from django.urls import reverse

from tests.factories import make_run, make_user
from tests.helpers.clients import signed_in_session
from tests.helpers.servers import ServerProcess

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_site_page(answer, code: int, heading: str) -> None:
    assert answer.status_code == code
    assert answer.headers["Content-Type"].startswith("text/html")
    page = answer.text
    assert 'class="sidebar"' in page  # the site's layout, signed in
    assert f'<p class="error-code">{code}</p>' in page
    assert heading in page
    assert f'href="{reverse("runs:list")}">Back to runs' in page


def test_an_unknown_page_is_a_styled_404_with_a_way_back(server):
    session = signed_in_session(make_user("nina"))
    answer = session.get(f"{server.url}/no/such/page/", timeout=10)
    _assert_site_page(answer, 404, "Page not found")


def test_an_unknown_api_path_stays_a_json_404(server):
    session = signed_in_session(make_user("nina"))
    answer = session.get(f"{server.url}/api/v1/no-such-endpoint/", timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"] == "No API endpoint at this path."


def test_changing_another_users_run_is_a_styled_403(server):
    run = make_run(make_user("owner"))
    session = signed_in_session(make_user("nina"))
    settings_page = session.get(f"{server.url}/runs/{run.hash}/settings/", timeout=10)
    assert settings_page.status_code == 200
    answer = session.post(
        f"{server.url}/runs/{run.hash}/settings/archive/",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )
    _assert_site_page(answer, 403, "Not allowed")
    run.refresh_from_db()
    assert not run.is_archived


@pytest.fixture
def failing_server(django_db_blocker):
    with django_db_blocker.unblock():
        process = ServerProcess(
            extra_env={
                "DJANGO_SETTINGS_MODULE": "tests.helpers.failing_settings",
                "DEBUG": "false",
            }
        ).start()
    yield process
    process.stop()


def test_a_failing_page_is_a_styled_500_and_a_failing_api_call_is_json(
    failing_server,
):
    session = signed_in_session(make_user("nina"))
    answer = session.get(f"{failing_server.url}/test-only/fail/", timeout=10)
    _assert_site_page(answer, 500, "Something went wrong on our side")
    assert "RuntimeError" not in answer.text  # nothing of the traceback leaks
    api_answer = session.get(f"{failing_server.url}/api/test-only/fail/", timeout=10)
    assert api_answer.status_code == 500
    assert api_answer.json() == {
        "error": "The server failed to answer this request; the error is logged."
    }
