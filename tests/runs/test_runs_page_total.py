"""The runs table's total (issue 18 #2): a first page holding every match is the
count; a full first page counts the matches with one more query; later pages
and hash refreshes carry none."""

import pytest

from runs.table import runs_page
from tests.factories import make_run, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs():
    owner = make_user()
    for index in range(7):
        make_run(
            owner,
            params={"hparams": {"lr": index}},
            metrics={"loss": [index / 10]},
            is_archived=index == 0,
        )


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", 6),
        ("run.hparams.lr > 2", 4),
        ('run.hparams.lr > 2 and run.metrics["loss"].last < 0.5', 2),
        ("run.archived or not run.archived", 7),
        ("run.hparams.lr > 100", 0),
    ],
)
@pytest.mark.parametrize("page_size", [2, 50])
def test_the_first_page_carries_the_number_of_matches(runs, query, expected, page_size):
    page = runs_page(query, page_size=page_size)
    assert page.total == expected
    assert len(page.rows) == min(expected, page_size)


def test_a_full_first_page_counts_with_one_more_query(runs, django_assert_num_queries):
    with django_assert_num_queries(4):  # page, tags, metric values, count
        assert runs_page("", page_size=2).total == 6
    with django_assert_num_queries(3):  # the page is every match: no count
        assert runs_page("", page_size=50).total == 6


def test_later_pages_and_refreshes_carry_no_total(runs):
    first = runs_page("", page_size=2)
    assert runs_page("", cursor=first.next_cursor, page_size=2).total is None
    hashes = [row.run.hash for row in first.rows]
    assert runs_page("", hashes=hashes).total is None
