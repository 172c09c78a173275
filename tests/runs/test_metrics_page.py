from tests.helpers.clients import signed_in_client


def test_metrics_page_renders_the_shell_with_the_query(user):
    response = signed_in_client(user).get("/metrics/", {"q": 'run.name == "<b>"'})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="run.name == &quot;&lt;b&gt;&quot;"' in body
    assert "runs/js/metrics_explorer.js" in body
    assert 'class="sub active"' in body


def test_metrics_page_refuses_post(user):
    assert signed_in_client(user).post("/metrics/").status_code == 405


def test_metrics_page_sends_anonymous_users_to_sign_in(client, db):
    response = client.get("/metrics/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
