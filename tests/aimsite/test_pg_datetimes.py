"""aimsite.pg_datetimes: PostgreSQL timestamptz values read as Django reads them."""

import pytest
from django.db import connection

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's timestamptz loader"
    ),
]

TEXTS = [
    "2026-11-30 10:07:24.908613+00",
    "2026-11-30 10:07:24.5+00",
    "2026-11-30 10:07:24+00",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00+05:30",
    "1900-01-01 00:00:00+00:09:21",
    "2000-02-29 12:00:00.000001+00",
]
FAILING = [
    "0044-03-15 10:00:00+00 BC",
    "infinity",
    "-infinity",
    "10000-01-01 00:00:00+00",
]


def _loaders():
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.ensure_connection()
    adapters = connection.connection.adapters
    fast = adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    django_loader = fast.__mro__[1]
    oid = types["timestamptz"].oid
    return fast(oid, connection.connection), django_loader(oid, connection.connection)


def test_the_fast_loader_is_registered_over_djangos():
    fast, django_loader = _loaders()
    assert type(fast).__name__ == "FastTzLoader"
    assert type(django_loader).__name__ == "SpecificTzLoader"


@pytest.mark.parametrize("text", TEXTS)
def test_a_value_is_read_as_djangos_loader_reads_it(text):
    fast, django_loader = _loaders()
    ours, theirs = fast.load(text.encode()), django_loader.load(text.encode())
    assert (
        ours == theirs
        and ours.tzinfo is theirs.tzinfo
        and ours.isoformat() == theirs.isoformat()
    )


@pytest.mark.parametrize("text", FAILING)
def test_text_outside_python_s_range_fails_as_with_djangos_loader(text):
    fast, django_loader = _loaders()
    with pytest.raises(Exception) as theirs:
        django_loader.load(text.encode())
    with pytest.raises(type(theirs.value)):
        fast.load(text.encode())


def test_a_query_reads_through_it():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '2026-11-30 10:07:24.908613+00'::timestamptz")
        (value,) = cursor.fetchone()
    assert value.isoformat() == "2026-11-30T10:07:24.908613+00:00"
