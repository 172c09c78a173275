"""Where sequence queries meet the runs explorer and the search bar, over HTTP
against a real daphne: a `metric.*` query in the runs explorer is a 400 that
points to the Metrics explorer with the same query, and the suggestions offer
`metric.` fields when asked for the `metric` subject."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from runs import suggestions
from tests.factories import make_run, make_user
from tests.helpers.clients import signed_in_session, token_session

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = 'run.hparams.lr > 0.001 and metric.context.subset == "train"'
MESSAGE = "`metric.*` reads metric sequences: use the Metrics explorer"
POSITION = len("run.hparams.lr > 0.001 and ")


@pytest.fixture
def owner(db):
    user = make_user()
    make_run(
        user,
        params={"hparams": {"lr": 0.01}},
        metrics={"loss": [0.5], ("loss", '{"subset": "train", "my key": 1}'): [0.4]},
    )
    suggestions._cache.clear()
    return user


def _explorer_link(html: str) -> str:
    marker = "data-query-error-explorer"
    assert marker in html, html[:2000]
    tag = html[: html.index(marker)]
    return tag[tag.rindex('href="') + 6 :].split('"')[0].replace("&amp;", "&")


@pytest.mark.parametrize("path", ["/runs/", "/runs/table"])
def test_runs_explorer_points_a_metric_query_to_the_metrics_explorer(
    server, owner, path
):
    response = signed_in_session(owner).get(
        f"{server.url}{path}", params={"q": QUERY}, timeout=10
    )
    html = response.text
    assert response.status_code == 400
    assert MESSAGE in html
    assert f'data-position="{POSITION}"' in html
    link = urlparse(_explorer_link(html))
    assert link.path == "/metrics/"
    assert parse_qs(link.query) == {"q": [QUERY]}


def test_other_query_errors_carry_no_explorer_link(server, owner):
    response = signed_in_session(owner).get(
        f"{server.url}/", params={"q": "run.name == 1"}, timeout=10
    )
    assert response.status_code == 400
    assert "data-query-error-explorer" not in response.text


def test_runs_api_refuses_a_metric_query_naming_the_metrics_explorer(server, owner):
    session = token_session(owner)
    listed = session.get(f"{server.url}/api/v1/runs/", params={"q": QUERY}, timeout=10)
    assert listed.status_code == 400
    assert listed.json()["error"].startswith(
        f"q: {MESSAGE} (at column {POSITION + 1} of "
    )
    exported = session.get(
        f"{server.url}/api/v1/runs/export.csv", params={"q": QUERY}, timeout=10
    )
    assert exported.status_code == 400
    assert exported.json() == {"error": MESSAGE, "position": POSITION, "field": "q"}


def test_run_metrics_summaries_still_work_in_the_runs_explorer(server, owner):
    response = token_session(owner).get(
        f"{server.url}/api/v1/runs/",
        params={"q": 'run.metrics["loss"].last < 0.6'},
        timeout=10,
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_suggestions_offer_metric_fields_for_the_metric_subject(server, owner):
    session = token_session(owner)
    plain = session.get(f"{server.url}/api/v1/runs/suggestions", timeout=10).json()
    assert not any(value.startswith("metric.") for value in plain["fields"])
    data = session.get(
        f"{server.url}/api/v1/runs/suggestions",
        params={"subjects": "run,metric"},
        timeout=10,
    ).json()
    for attribute in ("name", "context", "last", "first", "min", "max", "count"):
        assert f"metric.{attribute}" in data["fields"]
    assert {"metric.first_step", "metric.last_step", "run.name"} <= set(data["fields"])
    assert "metric.context.subset" in data["params"]
    assert 'metric.context["my key"]' in data["params"]
    assert 'metric.name == "loss"' in data["metrics"]
    assert "run.hparams.lr" in data["params"]


def test_suggestions_refuse_an_unknown_subject(server, owner):
    response = token_session(owner).get(
        f"{server.url}/api/v1/runs/suggestions",
        params={"subjects": "run,nope"},
        timeout=10,
    )
    assert response.status_code == 400
    assert "unknown subject 'nope'" in response.json()["error"]


def test_suggestions_need_a_signed_in_user(server, owner):
    response = requests.get(
        f"{server.url}/api/v1/runs/suggestions",
        params={"subjects": "run,metric"},
        timeout=10,
    )
    assert response.status_code in (401, 403)
