"""Datetime attributes and strftime() in AimQL, and dotted system params (issue 17,
bug 8), against the Python reference over a few hundred runs whose times spread
over three years, with the boundaries (midnight, New Year, 29 February) in.

Runs on whichever database DATABASE_URL names, so the same assertions cover
SQLite's strftime() and PostgreSQL's EXTRACT / to_char(). Times are read in UTC,
whatever the server's TIME_ZONE, as Aim reads its naive UTC datetimes.
"""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from runs.models import Run
from runs.query import QueryError, compile_query, parse
from tests.factories import make_run, make_user
from tests.runs.test_query_compiler import built_snapshots, check

BOUNDARIES = [
    datetime(2024, 2, 29, 0, 0, 0, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2025, 6, 15, 12, 30, 30, 500000, tzinfo=UTC),
    datetime(2026, 3, 1, 5, 0, tzinfo=UTC),  # still 28 February in Los Angeles
    datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
]


def _build_runs(seed: int = 11, count: int = 300) -> None:
    rng = random.Random(seed)
    owner = make_user()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 12, 31, tzinfo=UTC) - start).total_seconds()
    moments = BOUNDARIES + [
        start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count)
    ]
    for index, created in enumerate(moments):
        fields = {"created_at": created, "updated_at": created + timedelta(hours=1)}
        status = None
        if index % 3:
            status = "finished"
            fields["finished_at"] = created + timedelta(
                seconds=rng.choice([1, 59, 3600, 86399, 86400 * 40])
            )
        run = make_run(owner, name=f"run-{index}", status=status, **fields)
        branch = rng.choice(["main", "dev", None])
        meta = {"__system_params": {"git_info": {"branch": branch} if branch else {}}}
        Run.objects.filter(pk=run.pk).update(meta=meta)


@pytest.fixture(scope="module")
def runs(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end."""
    yield from built_snapshots(django_db_blocker, _build_runs)


CONSTRUCTS = [
    "run.created_at.year == 2025",
    "run.created_at.year >= 2025 and run.created_at.month == 1",
    "run.created_at.month in [2, 12]",
    "run.created_at.month != 6",
    "run.created_at.day == 29",
    "run.created_at.day > 30",
    "run.created_at.hour == 0",
    "run.created_at.hour < 6",
    "run.created_at.minute >= 30",
    "run.created_at.second == 59",
    "run.created_at.hour",
    "not run.created_at.hour",
    "run.created_at.weekday() == 0",
    "run.created_at.weekday() >= 5",
    "run.created_at.isoweekday() == 7",
    "run.creation_time.month == 3",
    "run.end_time.year == 2026",
    "run.end_time.day == 1",
    "run.finalized_at.hour is None",
    "run.end_time.weekday() in [5, 6]",
    "run.updated_at.hour == 0",
    'run.created_at.strftime("%Y-%m-%d") == "2024-02-29"',
    'run.created_at.strftime("%Y-%m-%d") > "2026-06"',
    'run.created_at.strftime("%d/%m/%Y") == "01/01/2025"',
    'run.created_at.strftime("%Y") == "2025"',
    'run.created_at.strftime("%H:%M:%S") == "23:59:59"',
    'run.created_at.strftime("%j") == "366"',
    'run.created_at.strftime("%Y-%m").startswith("2025")',
    'run.created_at.strftime("%m") in ["01", "02"]',
    'run.created_at.strftime("day %d, 100%%") == "day 15, 100%"',
    'run.created_at.strftime("\\"%Y\\" \\\\ %m") == "\\"2025\\" \\\\ 06"',
    'run.end_time.strftime("%Y-%m-%d") == None',
    'run.end_time.strftime("%Y")',
    'run.created_at.strftime("%Y-%m-%d").lower() == "2025-01-01"',
    'run.__system_params.git_info.branch == "main"',
    'run.__system_params.git_info.branch != "dev"',
    "run.__system_params.git_info.branch is None",
    'run.__system_params["git_info"].branch == "dev"',
    'run.__system_params.git_info["branch"] == "main"',
    'run.created_at.year == 2026 and run.__system_params.git_info.branch == "dev"',
]


@pytest.mark.parametrize("query", CONSTRUCTS)
def test_query_matches_the_python_reference(db, runs, query):
    check(query, runs)


def test_the_dataset_has_runs_on_both_sides_of_each_construct(db, runs):
    assert 0 < len(check("run.created_at.year == 2025", runs)) < len(runs)
    assert check('run.created_at.strftime("%Y-%m-%d") == "2024-02-29"', runs)
    assert check("run.end_time.year == 2026", runs)
    assert check("run.end_time is None", runs)


def test_the_dotted_and_subscript_system_params_are_the_same_query(db, runs):
    dotted = check('run.__system_params.git_info.branch == "main"', runs)
    subscript = check('run["__system_params", "git_info", "branch"] == "main"', runs)
    assert dotted == subscript and dotted


def test_datetimes_are_read_in_utc_whatever_the_server_time_zone(db, runs, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    with timezone.override(ZoneInfo("America/Los_Angeles")):
        first_of_march = check(
            'run.created_at.strftime("%Y-%m-%d %H") == "2026-03-01 05"', runs
        )
        assert first_of_march == {
            run["hash"] for run in runs if run["created_at"] == BOUNDARIES[4]
        }
        by_day = check(
            "run.created_at.year == 2026 and run.created_at.month == 3 "
            "and run.created_at.day == 1 and run.created_at.hour == 5",
            runs,
        )
        assert first_of_march <= by_day


@pytest.mark.parametrize(
    ("query", "message", "column"),
    [
        ('run.created_at.strftime("%Y-%b") == "x"', "directive %b is not", 28),
        ('run.created_at.strftime("%") == "x"', "directive % is not", 25),
        ("run.created_at.week == 1", "has the attributes year, month", 15),
        ("run.created_at.month.real == 1", "has the attributes", 15),
        ("run.created_at.weekday(1) == 1", ".weekday() takes no arguments", 0),
        ("run.name.strftime('%Y') == 'x'", "applies to a run's datetime", 0),
        ('run.created_at.month == "3"', "is a number; compare it with a number", 24),
        ("run.created_at.strftime('%Y') == 2025", "gives text", 33),
        ('"1" in run.created_at.day', "is a number; `in` needs text", 22),
        ("run.duration.day == 1", "run.duration has no attributes", 13),
        ("run.__class__", "starting with _", 4),
        ("run.hparams.__system_params.x == 1", "starting with _", 12),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_position(query, message, column):
    with pytest.raises(QueryError) as error:
        compile_query(parse(query).text)
    assert message in error.value.message
    assert error.value.position == column
