"""The time budget on SQL statements (aimsite.query_budget), on the database
DATABASE_URL names. Slow statements are counters the database runs itself;
each would take tens of seconds unbounded, so a missing bound fails the test
(slowly) instead of passing."""

import pytest
from django.db import DatabaseError, OperationalError, connection

from aimsite.middleware import QueryBudgetMiddleware
from aimsite.query_budget import (
    QueryTimeout,
    query_budget,
    query_timeout,
    within_budget,
)

pytestmark = pytest.mark.django_db

ENDLESS = 300_000_000  # rows: tens of seconds on either database
MEDIUM = 3_000_000  # rows: about a second, far past a 0.05 s budget


def _count_sql() -> str:
    if connection.vendor == "sqlite":
        return (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
            " WHERE x < %s) SELECT count(*) FROM c"
        )
    return "SELECT count(*) FROM generate_series(1, %s)"


def _rows_sql() -> str:
    if connection.vendor == "sqlite":
        return (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c"
            " WHERE x < %s) SELECT x FROM c"
        )
    return "SELECT x FROM generate_series(1, %s) AS x"


def _count(rows: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_count_sql(), [rows])
        return cursor.fetchone()[0]


def test_a_statement_past_the_budget_raises_query_timeout():
    with query_budget(0.1), pytest.raises(QueryTimeout) as caught:
        _count(ENDLESS)
    assert caught.value.message == "the query took longer than 0.1 s; narrow it"


def test_rows_fetched_past_the_budget_count_as_a_timeout_too():
    # SQLite hands out the first rows at once and computes the rest while they
    # are fetched, outside the execute wrapper.
    with query_budget(0.1):
        with pytest.raises(OperationalError) as caught:  # noqa: SIM117
            with connection.cursor() as cursor:
                cursor.execute(_rows_sql(), [ENDLESS])
                while cursor.fetchmany(10_000):
                    pass
        timeout = query_timeout(caught.value)
    assert timeout is not None and timeout.seconds == 0.1


@pytest.mark.django_db(transaction=True)  # autocommit, as in a request
def test_statements_outside_a_budget_are_not_bound():
    with query_budget(0.05), pytest.raises(QueryTimeout):
        _count(MEDIUM)
    assert _count(MEDIUM) == MEDIUM
    with query_budget(0):  # AIMSITE_QUERY_TIMEOUT=0 turns the budget off
        assert _count(MEDIUM) == MEDIUM


def test_the_deadline_is_per_statement_not_per_budget():
    with query_budget(0.3):
        # Together longer than the budget; each on its own far within.
        assert [_count(20_000) for _ in range(400)] == [20_000] * 400


def test_other_database_errors_are_not_taken_for_a_timeout():
    with query_budget(5), pytest.raises(DatabaseError) as caught:  # noqa: SIM117
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
    assert query_timeout(caught.value) is None


def test_each_step_of_a_stream_runs_under_a_budget_of_its_own():
    def steps():
        yield _count(1000)
        yield _count(ENDLESS)

    stream = within_budget(steps(), 0.1)
    assert next(stream) == 1000
    with pytest.raises(QueryTimeout):
        next(stream)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's statement_timeout"
)
@pytest.mark.django_db(transaction=True)
def test_postgresql_statement_timeout_is_set_for_the_budget_and_reset_after():
    def statement_timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = statement_timeout()
    with query_budget(2):
        assert statement_timeout() == "2s"
    assert statement_timeout() == before


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        (
            "/api/v1/experiments/",
            "application/json",
            b'{"error": "the query took longer than 2 s; narrow it"}',
        ),
        (
            "/experiments/",
            "text/plain; charset=utf-8",
            b"the query took longer than 2 s; narrow it",
        ),
    ],
)
def test_a_timeout_no_view_handled_answers_400_json_for_the_api_text_otherwise(
    rf, path, content_type, body
):
    middleware = QueryBudgetMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get(path), QueryTimeout(2))
    assert response.status_code == 400
    assert response["Content-Type"] == content_type and response.content == body
    assert middleware.process_exception(rf.get(path), ValueError("other")) is None
