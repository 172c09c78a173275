import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from experiments.markdown import MarkdownRefused
from media_tracks import services
from media_tracks.models import ObjectRecord
from tests.factories import make_run
from tests.runs.run_page_data import png

URL = "/api/v1/objects/texts/html"
MARKDOWN = "**bold** <script>alert(1)</script> [x](javascript:alert(1))"
HTML = "<b onclick='steal()'>hi</b><img src=x onerror=alert(1)><em>ok</em>"


@pytest.fixture
def records(user):
    run = make_run(user)
    objects = [
        {"kind": "text", "name": "notes", "step": 0, "index": 0, "text": MARKDOWN},
        {"kind": "text", "name": "notes", "step": 0, "index": 1, "text": HTML},
        {"kind": "image", "name": "samples", "step": 0, "file": "picture"},
    ]
    uploads = {"picture": SimpleUploadedFile("picture.png", png())}
    services.store_objects(run, services.parse_objects({"objects": objects}, uploads))
    by_name = {
        (record.sequence.kind, record.index): record.id
        for record in ObjectRecord.objects.select_related("sequence")
    }
    return {
        "markdown": by_name["text", 0],
        "html": by_name["text", 1],
        "image": by_name["image", 0],
    }


def _html(api, mode, ids):
    return api.get(URL, {"mode": mode, "ids": ",".join(map(str, ids))})


def test_markdown_is_rendered_and_sanitised(api, records):
    answer = _html(api, "markdown", [records["markdown"]])
    assert answer.status_code == 200
    html = answer.json()["html"][str(records["markdown"])]
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_html_keeps_allowed_tags_and_drops_handlers(api, records):
    answer = _html(api, "html", [records["html"], records["markdown"]])
    html = answer.json()["html"]
    assert "<b>hi</b>" in html[str(records["html"])]
    assert "<em>ok</em>" in html[str(records["html"])]
    assert "onclick" not in html[str(records["html"])]
    assert "onerror" not in html[str(records["html"])]
    # Markdown is not read in HTML mode: the asterisks stay.
    assert "**bold**" in html[str(records["markdown"])]


def test_ids_that_are_not_texts_are_left_out(api, records):
    answer = _html(api, "html", [records["image"], 999_999, records["html"]])
    assert list(answer.json()["html"]) == [str(records["html"])]


def test_a_text_refused_past_the_budget_maps_to_null(api, records, monkeypatch):
    def refuse(text):
        raise MarkdownRefused("too slow")

    monkeypatch.setattr(services, "render_markdown", refuse)
    answer = _html(api, "markdown", [records["markdown"]])
    assert answer.json() == {"html": {str(records["markdown"]): None}}


@pytest.mark.parametrize(
    ("params", "field", "needle"),
    [
        ({"ids": "1"}, "mode", "required"),
        ({"mode": "code", "ids": "1"}, "mode", "not a valid choice"),
        ({"mode": "html"}, "ids", "required"),
        ({"mode": "html", "ids": "1,a"}, "ids", "separated by commas"),
        ({"mode": "html", "ids": ",".join(["1"] * 101)}, "ids", "1 to 100"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, records, params, field, needle):
    answer = api.get(URL, params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["field"] == field and needle in body["error"]


def test_anonymous_requests_get_nothing(records):
    answer = APIClient().get(URL, {"mode": "html", "ids": str(records["html"])})
    assert answer.status_code in (401, 403)
    assert "html" not in answer.json()
