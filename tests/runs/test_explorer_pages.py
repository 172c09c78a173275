import pytest

from tests.helpers.clients import signed_in_client


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_explorer_page_renders_the_shell_with_the_query(user, section):
    response = signed_in_client(user).get(f"/{section}/", {"q": 'run.name == "<b>"'})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="run.name == &quot;&lt;b&gt;&quot;"' in body
    assert f"runs/js/{section}_explorer.js" in body
    assert "vendor/plotly/plotly.min.js" in body
    assert 'id="explorer-table"' in body


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_the_sidebar_marks_the_explorer_under_runs(user, section):
    body = signed_in_client(user).get(f"/{section}/").content.decode()
    assert f'<a href="/{section}/" class="sub active">' in body
    assert '<a href="/metrics/" class="sub">' in body


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_explorer_page_refuses_post(user, section):
    assert signed_in_client(user).post(f"/{section}/").status_code == 405


@pytest.mark.parametrize("section", ["params", "scatters"])
def test_explorer_page_sends_anonymous_users_to_sign_in(client, db, section):
    response = client.get(f"/{section}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_runs_explorer_offers_every_explorer(user):
    body = signed_in_client(user).get("/runs/").content.decode()
    for section in ("metrics", "params", "scatters"):
        assert f'href="/{section}/" data-explorer="{section}"' in body
