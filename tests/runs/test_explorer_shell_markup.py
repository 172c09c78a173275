"""The explorer shell's partials (templates/runs/explorers/) as the runs explorer renders
them: the parts js/lib/explorer_shell.js looks for, and the ids pages and tests use."""

from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def _one(elements: list, marker: str) -> tuple[str, dict[str, str | None]]:
    found = [(tag, attrs) for tag, attrs in elements if marker in attrs]
    assert len(found) == 1, marker
    return found[0]


@pytest.fixture
def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_explorer_renders_every_part_the_shell_script_looks_for(signed_in):
    elements = _elements(
        signed_in.get("/runs/?q=run.name%20%3D%3D%20%22a%22").content.decode()
    )
    form = _one(elements, "data-search-form")
    assert form == (
        "form",
        {
            "class": "search-bar",
            "method": "get",
            "action": "/runs/",
            "id": "runs-search",
            "autocomplete": "off",
            "role": "search",
            "data-search-form": None,
        },
    )
    tag, query = _one(elements, "data-search-input")
    assert (tag, query["id"], query["name"], query["value"]) == (
        "input",
        "runs-query",
        "q",
        'run.name == "a"',
    )
    assert query["placeholder"] == (
        'run.hparams.lr >= 0.001 and run.experiment == "mnist-cnn"'
    )
    assert _one(elements, "data-search-suggestions")[1]["id"] == "query-suggestions"
    assert _one(elements, "data-query-error-slot")[1]["id"] == "query-error-slot"
    assert _one(elements, "data-live-switch")[1]["id"] == "live-update"
    for marker in (
        "data-live-status",
        "data-total-label",
        "data-selection-toolbar",
        "data-selection-label",
    ):
        _one(elements, marker)


def test_sort_is_not_a_hidden_field_the_shell_adds_it_to_a_new_search(signed_in):
    # A hidden field would keep the sort the page was loaded with, not the one chosen
    # in the table since; explorer_shell.js adds the current one on submit.
    elements = _elements(signed_in.get("/runs/?sort=name").content.decode())
    assert not [attrs for tag, attrs in elements if attrs.get("name") == "sort"]


def test_a_query_error_is_rendered_in_the_shell_error_slot(signed_in):
    response = signed_in.get("/runs/?q=run.name%20%3D%3D")
    html = response.content.decode()
    assert response.status_code == 400
    slot = html.split('id="query-error-slot"', 1)[1].split("data-selection-toolbar")[0]
    assert "data-query-error" in slot and "Query error:" in slot
