"""One shape, one builder: the run page, the API and live events send the same
dicts for a tag chip, a series summary and an object sequence."""

import pytest

from runs import live
from runs.models import MetricSeries
from tests.factories import make_run, make_tag
from tests.runs.run_page_data import make_full_run

pytestmark = pytest.mark.django_db


def _page_data(client, user, run, tab: str) -> dict:
    client.force_login(user)
    answer = client.get(f"/runs/{run.hash}/{tab}/")
    assert answer.status_code == 200
    return answer.context["page_data"]


def test_series_summaries_match_between_page_api_and_live_event(client, api, user):
    run = make_run(user, metrics={"loss": [0.5, float("inf"), 0.25], "acc": [0.1]})
    from_api = api.get(f"/api/v1/runs/{run.hash}/metrics").json()
    rows = _page_data(client, user, run, "metrics")["series_rows"]
    event = live._changed_event(run, list(MetricSeries.objects.filter(run=run)))
    assert from_api == event["metrics"]
    assert [{key: row[key] for key in from_api[0]} for row in rows] == from_api
    assert {row["max"] for row in from_api} == {None, 0.1}  # inf is no JSON number


def test_object_sequences_match_between_page_and_api(client, api, user):
    run = make_full_run(user)
    from_api = api.get(f"/api/v1/runs/{run.hash}/objects?kind=image").json()
    assert from_api
    assert _page_data(client, user, run, "images")["sequences"] == from_api


def test_tag_chips_match_between_page_api_table_and_chip_markup(client, api, user):
    run = make_run(user)
    shown, hidden = make_tag("shown"), make_tag("hidden", is_archived=True)
    run.tags.add(shown, hidden)
    chip = {"id": shown.id, "name": "shown", "color": shown.color}
    assert _page_data(client, user, run, "overview")["tags"] == [chip]
    assert api.get(f"/api/v1/runs/{run.hash}").json()["tags"] == [chip]
    assert api.get(f"/api/v1/runs/{run.hash}/tags").json() == [chip]
    markup = (
        f'<span class="tag-chip" style="--tag-color: {shown.color}" '
        f'data-tag-id="{shown.id}"><span class="tag-dot" aria-hidden="true"></span>'
        '<span class="tag-name">shown</span></span>'
    )
    for page in (f"/runs/{run.hash}/", "/runs/"):
        html = client.get(page).content.decode()
        assert markup in html
        assert '<span class="tag-name">hidden</span>' not in html
