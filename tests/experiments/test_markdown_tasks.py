"""Task lists in notes (`- [x] done`) render as disabled checkboxes, and the
sanitiser lets no other kind of <input> through (issue 17, bug 6)."""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from experiments.markdown.html import markdown_to_html
from experiments.models import Experiment
from tests.factories import make_experiment
from tests.helpers.clients import signed_in_client

# The sanitiser writes an element's attributes in no fixed order: compare the
# checkboxes as ☑ / ☐, after checking each is a disabled checkbox and nothing else.
CHECKED, UNCHECKED = "☑", "☐"
_INPUT = re.compile(r"<input( [^>]*)?>")


def _boxes(html: str) -> str:
    def box(match: re.Match) -> str:
        attributes = sorted(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        names = [name for name, _ in attributes]
        assert dict(attributes)["type"] == "checkbox", match.group(0)
        assert dict(attributes)["disabled"] in ("", "disabled"), match.group(0)
        assert set(names) <= {"checked", "disabled", "type"}, match.group(0)
        return CHECKED if "checked" in names else UNCHECKED

    return _INPUT.sub(box, html)


def test_task_items_become_disabled_checkboxes():
    html = _boxes(markdown_to_html("- [x] done **well**\n- [ ] todo\n- [X] upper\n"))
    assert html == (
        "<ul>\n"
        f'<li class="task-list-item">{CHECKED}done <strong>well</strong></li>\n'
        f'<li class="task-list-item">{UNCHECKED}todo</li>\n'
        f'<li class="task-list-item">{CHECKED}upper</li>\n'
        "</ul>"
    )


def test_loose_and_numbered_task_lists():
    assert (
        markdown_to_html("1. [x] first\n2. [ ] second\n").count("task-list-item") == 2
    )
    loose = _boxes(markdown_to_html("- [x] one\n\n- [ ] two\n"))
    assert f"<p>{CHECKED}one</p>" in loose and f"<p>{UNCHECKED}two</p>" in loose


@pytest.mark.parametrize(
    "text",
    ["- [] empty", "- [y] other", "- x [x] later", "- [x]done", "[x] not a list"],
)
def test_what_is_not_a_task_item_stays_text(text):
    html = markdown_to_html(text)
    assert "<input" not in html and "[" in html


def test_raw_inputs_and_classes_are_disarmed():
    html = markdown_to_html(
        '<input type="text" name="password" value="x" onfocus="alert(1)" autofocus>\n\n'
        '<ul><li class="task-list-item evil" onclick="x">q</li></ul>\n\n'
        '<form action="https://evil.example"><input type="submit"></form>'
    )
    assert html.count("<input") == 2
    assert _boxes(html).count(UNCHECKED) == 2
    for word in ("text", "password", "onfocus", "autofocus", "submit", "evil", "form"):
        assert word not in html


@pytest.mark.django_db
def test_notes_page_says_when_notes_exist_without_a_recorded_edit(user):
    with_notes = make_experiment("imported", owner=user, notes="- [x] baseline")
    empty = make_experiment("empty", owner=user)
    client = signed_in_client(user)
    page = client.get(reverse("experiments:notes", args=[with_notes.pk]))
    notes = page.content.decode().split('id="notes-rendered"', 1)[1]
    page = page.content.decode()
    notes = _boxes(notes)
    assert "Not edited yet" not in page
    assert 'data-notes-meta="unrecorded"' in page
    assert f'<li class="task-list-item">{CHECKED}baseline</li>' in notes
    page = client.get(reverse("experiments:notes", args=[empty.pk])).content
    assert b'data-notes-meta="empty"' in page
    client.post(
        reverse("experiments:notes", args=[with_notes.pk]), {"notes": "- [ ] again"}
    )
    page = client.get(reverse("experiments:notes", args=[with_notes.pk])).content
    assert b"Last edited" in page and f"by <strong>{user.username}".encode() in page


@pytest.mark.django_db
def test_migration_renders_task_lists_stored_before_they_were_supported(user):
    experiment = make_experiment("old", owner=user)
    Experiment.objects.filter(pk=experiment.pk).update(
        notes="- [x] done", notes_html="<ul>\n<li>[x] done</li>\n</ul>"
    )
    importlib.import_module(
        "experiments.migrations.0005_render_task_lists"
    ).render_notes(apps, None)
    experiment.refresh_from_db()
    assert _boxes(experiment.notes_html) == (
        f'<ul>\n<li class="task-list-item">{CHECKED}done</li>\n</ul>'
    )
