"""The runs table's Tags cell: the data the row's tag picker mounts from."""

import html
import json
import re

import pytest

from tests.factories import make_run, make_tag
from tests.helpers.clients import signed_in_client

pytestmark = pytest.mark.django_db


def _tag_cells(response) -> dict[str, dict]:
    """run hash -> the row's data-can-edit and its Tags cell's tags."""
    body = response.content.decode()
    cells = {}
    for match in re.finditer(
        r'<tr data-hash="(?P<hash>[0-9a-f]+)"(?P<row>[^>]*)>'
        r'.*?<td data-col="tags"(?P<attrs>[^>]*)>',
        body,
        re.S,
    ):
        row = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', match["row"]))
        attrs = dict(re.findall(r'(data-[\w-]+)="([^"]*)"', match["attrs"]))
        cells[match["hash"]] = {
            "can_edit": row["data-can-edit"],
            "tags": json.loads(html.unescape(attrs["data-tags"])),
        }
    return cells


def test_row_tags_cell_says_whether_the_signed_in_user_may_edit_the_run(
    user, other_user
):
    mine = make_run(user, name="mine")
    theirs = make_run(other_user, name="theirs")
    cells = _tag_cells(signed_in_client(user).get("/runs/table"))
    assert cells[mine.hash]["can_edit"] == "true"
    assert cells[theirs.hash]["can_edit"] == "false"


def test_staff_may_edit_the_tags_of_every_row(user, staff_user):
    run = make_run(user, name="mine")
    cells = _tag_cells(signed_in_client(staff_user).get("/runs/table"))
    assert cells[run.hash]["can_edit"] == "true"


def test_row_tags_cell_carries_the_tags_as_escaped_json_without_archived_ones(user):
    run = make_run(user, name="r")
    tricky = make_tag('say "hi" <b>&', color="#18AB6D")
    gone = make_tag("gone", is_archived=True)
    run.tags.add(tricky, gone)
    response = signed_in_client(user).get("/runs/table")
    assert "<b>&" not in response.content.decode()
    assert _tag_cells(response)[run.hash]["tags"] == [
        {"id": tricky.id, "name": 'say "hi" <b>&', "color": "#18AB6D"}
    ]


def test_refreshed_rows_carry_the_same_tag_data(user, other_user):
    run = make_run(other_user, name="theirs")
    run.tags.add(make_tag("best"))
    response = signed_in_client(user).get(
        "/runs/table", {"rows": "1", "hashes": run.hash}
    )
    cell = _tag_cells(response)[run.hash]
    assert cell["can_edit"] == "false"
    assert [tag["name"] for tag in cell["tags"]] == ["best"]


def test_table_with_tags_and_mixed_owners_renders_in_a_fixed_number_of_queries(
    user, other_user, django_assert_max_num_queries
):
    tags = [make_tag(f"t{index}") for index in range(3)]
    for index in range(30):
        run = make_run(user if index % 2 else other_user, name=f"r{index}")
        run.tags.add(*tags[: index % 4])
    client = signed_in_client(user)
    with django_assert_max_num_queries(9):
        response = client.get("/runs/table")
    cells = _tag_cells(response)
    assert len(cells) == 30
    assert {cell["can_edit"] for cell in cells.values()} == {"true", "false"}
