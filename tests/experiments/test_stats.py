"""Counts against a Python-side ground truth: runs spread over a year, around
midnight, in several server time zones; run on SQLite and on PostgreSQL."""

import ast
import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from experiments import stats
from runs.models import Run
from runs.query import filter_runs
from tests.factories import make_experiment, make_run, make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 15)  # a Sunday, and in the week US daylight saving starts


def _spread_runs(
    owner, experiment_name: str, zone: ZoneInfo, count: int = 160
) -> list[Run]:
    """Runs across ~13 months (some outside the calendar window), plus pairs one
    second either side of local midnight, some archived, with mixed statuses."""
    rng = random.Random(7)
    moments: list[datetime] = []
    window_start = datetime.combine(TODAY - timedelta(days=400), time.min, tzinfo=zone)
    for _ in range(count):
        moments.append(window_start + timedelta(seconds=rng.randrange(0, 402 * 86400)))
    for offset in (0, 1, 30, 200, 370, 371):
        midnight = datetime.combine(
            TODAY - timedelta(days=offset), time.min, tzinfo=zone
        )
        moments += [
            midnight - timedelta(seconds=1),
            midnight,
            midnight + timedelta(seconds=1),
        ]
    statuses = [None, "finished", "failed"]
    runs = []
    for index, moment in enumerate(moments):
        runs.append(
            make_run(
                owner,
                experiment=experiment_name,
                status=statuses[index % 3],
                created_at=moment.astimezone(UTC),
                is_archived=index % 7 == 0,
            )
        )
    return runs


@pytest.mark.parametrize(
    "zone_name", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"]
)
def test_calendar_counts_match_ground_truth_in_every_time_zone(settings, zone_name):
    settings.TIME_ZONE = zone_name
    zone = ZoneInfo(zone_name)
    owner = make_user()
    experiment = make_experiment("year", owner=owner)
    runs = _spread_runs(owner, "year", zone)
    make_run(
        owner,
        experiment="noise",
        created_at=datetime.combine(TODAY, time(12), tzinfo=zone),
    )

    calendar = stats.build_calendar(experiment, today=TODAY)

    start, end = stats.calendar_range(TODAY)
    truth = Counter(
        run.created_at.astimezone(zone).date()
        for run in runs
        if not run.is_archived
        and start <= run.created_at.astimezone(zone).date() <= end
    )
    shown = {
        day.day: day.count
        for week in calendar.weeks
        for day in week
        if day and day.count
    }
    assert shown == dict(truth)
    assert calendar.total == sum(truth.values())
    assert calendar.max_count == max(truth.values())
    # the midnight pairs really do fall on different days
    assert truth[TODAY] >= 1 and truth[TODAY - timedelta(days=1)] >= 1


@pytest.mark.parametrize("zone_name", ["UTC", "America/Los_Angeles", "Asia/Kolkata"])
def test_every_calendar_cell_query_finds_exactly_its_counted_runs(settings, zone_name):
    settings.TIME_ZONE = zone_name
    owner = make_user()
    experiment = make_experiment('cal "q"\\', owner=owner)
    _spread_runs(owner, experiment.name, ZoneInfo(zone_name), count=60)
    make_run(owner, experiment="noise")
    calendar = stats.build_calendar(experiment, today=TODAY)
    days = [day for week in calendar.weeks for day in week if day]
    busy = [day for day in days if day.count]
    quiet = [day for day in days if not day.count][:20]
    assert len(busy) > 20
    for day in busy + quiet:
        assert filter_runs(Run.objects.all(), day.query).count() == day.count, day.query


def test_every_status_card_query_finds_exactly_its_counted_runs():
    owner = make_user()
    experiment = make_experiment("cards 'x' \"y\"", owner=owner)
    _spread_runs(owner, experiment.name, ZoneInfo("UTC"), count=30)
    make_run(owner, experiment="noise", status="finished")
    make_run(owner, experiment="noise", is_archived=True)
    counts = stats.status_counts(experiment)
    for kind in stats.STATUS_KINDS:
        query = stats.explorer_query(experiment.name, kind)
        assert filter_runs(Run.objects.all(), query).count() == getattr(counts, kind), (
            query
        )


def test_day_query_writes_local_midnight_as_utc(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    assert stats.day_query("x", date(2026, 3, 8)) == (  # the day clocks spring forward
        'run.experiment == "x" and datetime(2026, 3, 8, 8) <= run.created_at < datetime(2026, 3, 9, 7)'
    )
    settings.TIME_ZONE = "Asia/Kolkata"
    assert stats.day_query("x", date(2026, 1, 1)) == (
        'run.experiment == "x" and datetime(2025, 12, 31, 18, 30) <= run.created_at < datetime(2026, 1, 1, 18, 30)'
    )


def test_calendar_grid_is_53_sunday_first_weeks_ending_today():
    experiment = make_experiment("grid")
    calendar = stats.build_calendar(experiment, today=TODAY)
    assert len(calendar.weeks) == 53 and all(len(week) == 7 for week in calendar.weeks)
    assert calendar.start.weekday() == 6  # Sunday
    days = [day for week in calendar.weeks for day in week if day]
    assert days[-1].day == TODAY and days[0].day == calendar.start
    assert [day.day for day in days] == [
        calendar.start + timedelta(days=i) for i in range(len(days))
    ]
    assert calendar.weeks[-1][TODAY.isoweekday() % 7 + 1 :] == [None] * (
        6 - TODAY.isoweekday() % 7
    )


def test_calendar_of_a_wednesday_has_empty_cells_after_today():
    wednesday = date(2026, 3, 18)
    calendar = stats.build_calendar(make_experiment("wed"), today=wednesday)
    last_week = calendar.weeks[-1]
    assert [day.day for day in last_week[:4]] == [
        wednesday - timedelta(days=3 - i) for i in range(4)
    ]
    assert last_week[4:] == [None, None, None]


def test_status_counts_match_ground_truth():
    owner = make_user()
    experiment = make_experiment("status", owner=owner)
    runs = _spread_runs(owner, "status", ZoneInfo("UTC"), count=40)
    make_run(owner, experiment="other", status="finished")
    counts = stats.status_counts(experiment)
    visible = [run for run in runs if not run.is_archived]
    assert counts.total == len(runs)
    assert counts.archived == len(runs) - len(visible)
    for status in ("active", "finished", "failed"):
        assert getattr(counts, status) == sum(run.status == status for run in visible)
    assert (
        counts.active + counts.finished + counts.failed + counts.archived
        == counts.total
    )


def test_counts_of_a_page_of_experiments_match_ground_truth():
    """attach_run_counts counts each experiment's own runs (one grouped query),
    an experiment without runs included, and its runs' latest update."""
    owner = make_user()
    busy, other = make_experiment("busy", owner=owner), make_experiment("other")
    empty = make_experiment("empty")
    _spread_runs(owner, "busy", ZoneInfo("UTC"), count=20)
    make_run(owner, experiment="other", status="finished", is_archived=True)
    make_run(owner, experiment="other", status="failed")
    experiments = [busy, other, empty]
    stats.attach_run_counts(experiments)
    for experiment in experiments:
        runs = list(Run.objects.filter(experiment=experiment))
        visible = [run for run in runs if not run.is_archived]
        counts = experiment.run_counts
        assert counts.as_dict() == {
            "total": len(runs),
            "active": sum(run.status == "active" for run in visible),
            "finished": sum(run.status == "finished" for run in visible),
            "failed": sum(run.status == "failed" for run in visible),
            "archived": len(runs) - len(visible),
        }
        latest = max((run.updated_at for run in runs), default=None)
        assert counts.last_run_activity == latest
    assert empty.run_counts.total == 0 and empty.last_activity == empty.updated_at
    assert busy.last_activity == max(busy.run_counts.last_run_activity, busy.updated_at)
    assert other.run_counts.archived == 1 and other.run_counts.failed == 1


@pytest.mark.parametrize(
    "count,max_count,level",
    [(0, 9, 0), (1, 9, 1), (3, 9, 2), (5, 9, 3), (9, 9, 4), (1, 1, 4)],
)
def test_color_levels_are_five_steps(count, max_count, level):
    assert stats.color_level(count, max_count) == level


@pytest.mark.parametrize(
    "name",
    [
        "plain",
        'say "hi"',
        "back\\slash\\",
        "new\nline\ttab",
        "ünï ✓ 'single'",
        '\\"',
        "\x00\x1f",
    ],
)
def test_experiment_names_are_quoted_safely_in_queries(name):
    literal = stats.aimql_string(name)
    assert ast.literal_eval(literal) == name
    query = stats.explorer_query(name, "active")
    tree = ast.parse(query, mode="eval")
    assert ast.literal_eval(tree.body.values[0].comparators[0]) == name


def test_day_query_spans_one_day_across_month_and_year_ends():
    assert stats.day_query("x", date(2025, 12, 31)) == (
        'run.experiment == "x" and datetime(2025, 12, 31) <= run.created_at < datetime(2026, 1, 1)'
    )
