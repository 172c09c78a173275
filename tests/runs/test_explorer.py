import csv
import io
import json
import re

import pytest
from rest_framework.test import APIClient

from runs.models import Run
from tests.factories import make_run, make_tag
from tests.helpers.clients import api_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_runs(user):
    a = make_run(
        user,
        name="bert-a",
        experiment="nlp",
        params={"hparams": {"lr": 0.01}},
        metrics={"loss": [0.9, 0.2]},
    )
    b = make_run(
        user,
        name="bert-b",
        experiment="nlp",
        params={"hparams": {"lr": 0.1}},
        metrics={"loss": [0.5]},
    )
    c = make_run(
        user,
        name="resnet",
        experiment="vision",
        params={"hparams": {"lr": "0.1"}},
        is_archived=True,
    )
    return a, b, c


def test_explorer_page_lists_visible_runs_with_param_and_metric_columns(
    signed_in, three_runs
):
    response = signed_in.get("/runs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "bert-a" in html and "bert-b" in html and "resnet" not in html
    assert (
        "hparams.lr" in html
        and 'data-col="m:[&quot;loss&quot;,&quot;{}&quot;]"' in html
    )


def test_explorer_page_filters_with_the_query_kept_in_the_url(signed_in, three_runs):
    html = signed_in.get("/runs/", {"q": "run.hparams.lr > 0.05"}).content.decode()
    assert "bert-b" in html and "bert-a" not in html
    assert 'value="run.hparams.lr &gt; 0.05"' in html


def test_explorer_page_shows_a_query_error_with_a_caret(signed_in, three_runs):
    response = signed_in.get("/runs/", {"q": "run.name == 'x' and run.__class__"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Query error" in html and "starting with _" in html
    assert "\n" + " " * len("run.name == 'x' and run.") + "^" in html


def test_explorer_page_shows_an_empty_state_when_nothing_matches(signed_in, three_runs):
    html = signed_in.get("/runs/", {"q": 'run.name == "nothing"'}).content.decode()
    assert "No runs match this query" in html


def test_explorer_requires_sign_in(client):
    assert client.get("/runs/").status_code == 302
    assert client.get("/runs/table").status_code == 302


def test_table_sorts_by_a_param_column(signed_in, user):
    for lr in (0.3, 0.1, 0.2):
        make_run(user, name=f"lr-{lr}", params={"hparams": {"lr": lr}})
    html = signed_in.get("/runs/table", {"sort": 'p:["hparams","lr"]'}).content.decode()
    assert html.index("lr-0.1") < html.index("lr-0.2") < html.index("lr-0.3")
    html = signed_in.get(
        "/runs/table", {"sort": '-p:["hparams","lr"]'}
    ).content.decode()
    assert html.index("lr-0.3") < html.index("lr-0.2") < html.index("lr-0.1")


def test_table_sorts_by_a_metric_column_with_missing_values_last(signed_in, user):
    make_run(user, name="low", metrics={"acc": [0.1]})
    make_run(user, name="none")
    make_run(user, name="high", metrics={"acc": [0.9]})
    html = signed_in.get("/runs/table", {"sort": '-m:["acc","{}"]'}).content.decode()
    assert html.index("high") < html.index("low") < html.index(">none<")


def test_table_pages_with_a_cursor_without_repeating_runs(signed_in, user):
    for index in range(7):
        make_run(user, name=f"run-{index}")
    seen, cursor = [], ""
    for _ in range(4):
        from runs.table import runs_page

        page = runs_page("", cursor=cursor, page_size=3)
        seen += [row.run.name for row in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert sorted(seen) == sorted(f"run-{index}" for index in range(7))


def test_table_rows_for_live_refresh_only_return_matching_hashes(signed_in, three_runs):
    a, b, _ = three_runs
    html = signed_in.get(
        "/runs/table",
        {"rows": "1", "q": "run.hparams.lr > 0.05", "hashes": f"{a.hash},{b.hash}"},
    ).content.decode()
    assert b.hash in html and a.hash not in html


def test_table_rows_for_malformed_hashes_are_empty_not_an_error(signed_in, three_runs):
    a = three_runs[0]
    response = signed_in.get("/runs/table", {"rows": "1", "hashes": f"a'b,{a.hash},zz"})
    assert response.status_code == 200
    assert re.findall(r'data-hash="([0-9a-f]+)"', response.content.decode()) == [a.hash]
    # A NUL never reaches the view: every query parameter is checked for it first.
    response = signed_in.get("/runs/table", {"rows": "1", "hashes": f"a\x00b,{a.hash}"})
    assert response.status_code == 400


def test_table_rejects_a_bad_query_with_400_html(signed_in):
    response = signed_in.get("/runs/table", {"q": "run.x >"})
    assert response.status_code == 400
    assert b"Query error" in response.content


def test_table_renders_in_a_fixed_number_of_queries(
    signed_in, user, django_assert_max_num_queries
):
    tag = make_tag("best")
    for index in range(20):
        run = make_run(
            user,
            name=f"r{index}",
            params={"a": index},
            metrics={"loss": [1.0], "acc": [0.5]},
        )
        run.tags.add(tag)
    with django_assert_max_num_queries(9):
        assert signed_in.get("/runs/table").status_code == 200


def test_api_list_filters_with_q(api, three_runs):
    response = api.get(
        "/api/v1/runs/",
        {"q": 'run.experiment == "nlp" and run.metrics["loss"].last < 0.3'},
    )
    assert response.status_code == 200
    assert [run["name"] for run in response.json()["results"]] == ["bert-a"]


def test_api_list_rejects_a_bad_query_with_400(api):
    response = api.get("/api/v1/runs/", {"q": "run.name ="})
    assert response.status_code == 400
    assert "syntax error" in response.json()["error"]


def test_api_archive_by_hashes_and_unarchive_by_query(api, three_runs):
    a, b, c = three_runs
    response = api.post(
        "/api/v1/runs/archive", {"hashes": [a.hash, b.hash]}, format="json"
    )
    assert response.status_code == 200 and response.json()["count"] == 2
    assert Run.objects.filter(is_archived=True).count() == 3
    response = api.post(
        "/api/v1/runs/archive",
        {"q": 'run.archived and run.experiment == "nlp"', "is_archived": False},
        format="json",
    )
    assert response.json()["count"] == 2
    assert list(
        Run.objects.filter(is_archived=True).values_list("hash", flat=True)
    ) == [c.hash]


def test_api_batch_refuses_runs_of_someone_else_and_changes_nothing(
    other_user, three_runs
):
    a, b, _ = three_runs
    client = api_for(other_user)
    response = client.post(
        "/api/v1/runs/archive", {"hashes": [a.hash, b.hash]}, format="json"
    )
    assert (
        response.status_code == 403
        and "Nothing was changed" in response.json()["error"]
    )
    response = client.post("/api/v1/runs/delete", {"q": ""}, format="json")
    assert response.status_code == 403
    assert Run.objects.count() == 3 and not Run.objects.get(pk=a.pk).is_archived


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"hashes": "abc"},
        {"hashes": []},
        {"hashes": [1]},
        {"q": "run.x >"},
        {"q": 5},
        [1, 2],
    ],
)
def test_api_batch_rejects_bad_input(api, three_runs, body):
    response = api.post("/api/v1/runs/delete", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]
    assert Run.objects.count() == 3


def test_api_batch_archive_rejects_a_non_boolean_flag(api, three_runs):
    response = api.post(
        "/api/v1/runs/archive",
        {"hashes": [three_runs[0].hash], "is_archived": "yes"},
        format="json",
    )
    assert response.status_code == 400


def test_api_batch_delete_by_query(api, three_runs):
    response = api.post(
        "/api/v1/runs/delete", {"q": 'run.name.startswith("bert")'}, format="json"
    )
    assert response.json() == {"count": 2}
    assert list(Run.objects.values_list("name", flat=True)) == ["resnet"]


def test_api_batch_unknown_hash_is_404(api):
    response = api.post("/api/v1/runs/delete", {"hashes": ["0" * 24]}, format="json")
    assert response.status_code == 404


def test_batch_endpoints_require_authentication(three_runs):
    assert APIClient().post(
        "/api/v1/runs/delete", {"hashes": [three_runs[0].hash]}, format="json"
    ).status_code in (401, 403)
    assert Run.objects.count() == 3


def test_api_export_csv_streams_matching_runs_with_columns(api, three_runs):
    columns = json.dumps(['p:["hparams","lr"]', 'm:["loss","{}"]'])
    response = api.get(
        "/api/v1/runs/export.csv", {"q": 'run.experiment == "nlp"', "columns": columns}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert {row["name"]: (row["hparams.lr"], row["loss"]) for row in rows} == {
        "bert-a": ("0.01", "0.2"),
        "bert-b": ("0.1", "0.5"),
    }


def test_api_export_csv_by_default_includes_param_columns(api, three_runs):
    response = api.get("/api/v1/runs/export.csv", HTTP_ACCEPT="text/csv")
    text = b"".join(response.streaming_content).decode()
    assert (
        text.splitlines()[0].startswith("hash,name,experiment")
        and "hparams.lr" in text.splitlines()[0]
    )
    assert len(text.splitlines()) == 3


def test_api_export_csv_rejects_a_bad_query(api):
    response = api.get("/api/v1/runs/export.csv", {"q": "run.__x"})
    assert response.status_code == 400
    assert "error" in json.loads(response.content)


def test_api_suggestions_list_param_paths_and_metric_names(api, three_runs):
    from runs import suggestions

    suggestions._cache.clear()
    data = api.get("/api/v1/runs/suggestions").json()
    assert "run.hparams.lr" in data["params"]
    assert 'run.metrics["loss"].last' in data["metrics"]
    assert "run.name" in data["fields"]
    assert "run.created_at.month" in data["fields"]
    assert 'run.end_time.strftime("%Y-%m-%d")' in data["fields"]


def test_every_suggested_field_compiles(api, three_runs):
    """What the search bar offers is a query the explorer accepts, datetimes too."""
    from runs import suggestions

    suggestions._cache.clear()
    fields = api.get("/api/v1/runs/suggestions").json()["fields"]
    assert len(fields) > len(suggestions.FIELDS)
    for field in fields:
        query = '"x" in run.tags' if field == "run.tags" else f"{field} is not None"
        response = api.get("/api/v1/runs/", {"q": query})
        assert response.status_code == 200, (query, response.content[:300])
