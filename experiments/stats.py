"""Reads behind the experiment page and its API: status counts, the contributions
calendar, the activity feed, and the explorer queries that cards and calendar cells
link to (so a card's count and the explorer's result are the same set of runs).

Counting rules, chosen to match the explorer, which hides archived runs unless a
query mentions `run.archived`:
- active / finished / failed count non-archived runs; archived counts archived runs;
  total counts every run (its query mentions `run.archived` to include them).
- The calendar counts non-archived runs started on each day, where a "day" is a
  calendar day in the server's TIME_ZONE setting (UTC by default). The query language
  reads `datetime(...)` as UTC, so a cell's query writes that day's bounds as UTC
  instants: `datetime(2026, 3, 1) <= run.created_at < datetime(2026, 3, 2)` on a UTC
  server, `datetime(2026, 3, 1, 8) <= … < datetime(2026, 3, 2, 8)` in Los Angeles.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from experiments.models import Experiment
from runs.models import SYSTEM_METRIC_PREFIX, Run

CALENDAR_WEEKS = 53
CALENDAR_LEVELS = 5  # colour steps: 0 = no runs, 1..4 = quartiles of the busiest day
STATUS_KINDS = ("total", "active", "finished", "failed", "archived")


def aimql_string(value: str) -> str:
    """A double-quoted AimQL (Python) string literal holding exactly `value`.

    JSON string escapes (\\\\, \\", \\n, \\uXXXX) are all valid Python escapes.
    """
    return json.dumps(value, ensure_ascii=False)


def explorer_query(experiment_name: str, kind: str = "total") -> str:
    """The explorer query selecting the runs a status card counts."""
    base = f"run.experiment == {aimql_string(experiment_name)}"
    conditions = {
        "total": "(run.archived or not run.archived)",
        "active": "run.active",
        "finished": 'run.status == "finished"',
        "failed": 'run.status == "failed"',
        "archived": "run.archived",
    }
    return f"{base} and {conditions[kind]}"


def _utc_datetime_call(moment: datetime) -> str:
    """`datetime(y, m, d[, h, mi[, s]])` for an aware moment, in UTC.

    The query language reads datetime() as UTC, so a local day boundary is
    written as its UTC instant (for a UTC server that is plain midnight).
    """
    utc = moment.astimezone(UTC)
    parts = [utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second]
    while len(parts) > 3 and parts[-1] == 0:
        parts.pop()
    return f"datetime({', '.join(str(part) for part in parts)})"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first instant of `day` and of the next day in the calendar's time zone."""
    zone = calendar_zone()
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def day_query(experiment_name: str | None, day: date) -> str:
    """The explorer query selecting the runs a calendar cell counts (of one
    experiment, or of all of them when `experiment_name` is None)."""
    start, end = day_bounds(day)
    span = f"{_utc_datetime_call(start)} <= run.created_at < {_utc_datetime_call(end)}"
    if experiment_name is None:
        return span
    return f"run.experiment == {aimql_string(experiment_name)} and {span}"


@dataclass
class StatusCounts:
    total: int = 0
    active: int = 0
    finished: int = 0
    failed: int = 0
    archived: int = 0
    # The latest update of any of the experiment's runs (archived ones too).
    last_run_activity: datetime | None = None

    def as_dict(self) -> dict[str, int]:
        return {kind: getattr(self, kind) for kind in STATUS_KINDS}

    def shares(self) -> list[tuple[str, int, float]]:
        """(label, count, percent) of each status among all runs, for the bar."""
        if not self.total:
            return []
        parts = ("active", "finished", "failed", "archived")
        return [
            (
                kind,
                getattr(self, kind),
                round(100 * getattr(self, kind) / self.total, 1),
            )
            for kind in parts
            if getattr(self, kind)
        ]


def counts_by_experiment(experiment_ids: Iterable[int]) -> dict[int, StatusCounts]:
    """StatusCounts of each experiment, from one grouped query over their runs
    only: the (experiment, is_archived, status, updated_at) index answers it
    without reading a run's row, so a page of experiments costs its own runs'
    index entries, not a pass over every run."""
    counts = {pk: StatusCounts() for pk in experiment_ids}
    groups = (
        Run.objects.filter(experiment_id__in=counts)
        .order_by()
        .values("experiment_id", "is_archived", "status")
        .annotate(runs=Count("id"), latest=Max("updated_at"))
    )
    for group in groups:
        item = counts[group["experiment_id"]]
        runs = group["runs"]
        item.total += runs
        if group["is_archived"]:
            item.archived += runs
        elif group["status"] in STATUS_KINDS:
            setattr(item, group["status"], getattr(item, group["status"]) + runs)
        latest = group["latest"]
        if item.last_run_activity is None or latest > item.last_run_activity:
            item.last_run_activity = latest
    return counts


def status_counts(experiment: Experiment) -> StatusCounts:
    """Run counts by status for one experiment, in one query."""
    return counts_by_experiment([experiment.pk])[experiment.pk]


def attach_run_counts(experiments: Iterable[Experiment]) -> None:
    """Set `run_counts` (StatusCounts) on each experiment, in one query."""
    experiments = list(experiments)
    counts = counts_by_experiment(experiment.pk for experiment in experiments)
    for experiment in experiments:
        experiment.run_counts = counts[experiment.pk]


# --- contributions calendar -------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    count: int
    level: int
    query: str


@dataclass
class Calendar:
    start: date
    end: date
    weeks: list[list[CalendarDay | None]] = field(default_factory=list)
    total: int = 0
    max_count: int = 0
    months: list[tuple[int, str]] = field(default_factory=list)  # (week column, label)


def calendar_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def today_in_calendar_zone() -> date:
    return timezone.now().astimezone(calendar_zone()).date()


def calendar_range(today: date) -> tuple[date, date]:
    """First and last day shown: 53 Sunday-first week columns ending with today's."""
    days_since_sunday = (today.weekday() + 1) % 7
    start = today - timedelta(days=days_since_sunday + 7 * (CALENDAR_WEEKS - 1))
    return start, today


def calendar_counts(
    experiment: Experiment | None, start: date, end: date
) -> dict[date, int]:
    """Non-archived runs started on each day from start to end (inclusive), in
    one experiment or (None) in all."""
    zone = calendar_zone()
    runs = Run.objects.all() if experiment is None else experiment.runs.all()
    rows = (
        runs.filter(
            is_archived=False,
            created_at__gte=day_bounds(start)[0],
            created_at__lt=day_bounds(end)[1],
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["day"]: row["count"] for row in rows}


def color_level(count: int, max_count: int) -> int:
    if count <= 0 or max_count <= 0:
        return 0
    top = CALENDAR_LEVELS - 1
    return max(1, min(top, -(-count * top // max_count)))  # ceil without floats


def build_calendar(
    experiment: Experiment | None, today: date | None = None
) -> Calendar:
    """The contributions calendar of one experiment, or of all (None)."""
    start, end = calendar_range(today or today_in_calendar_zone())
    counts = calendar_counts(experiment, start, end)
    max_count = max(counts.values(), default=0)
    calendar = Calendar(
        start=start, end=end, total=sum(counts.values()), max_count=max_count
    )
    last_month = None
    for week_index in range(CALENDAR_WEEKS):
        week: list[CalendarDay | None] = []
        for weekday in range(7):
            day = start + timedelta(days=7 * week_index + weekday)
            if day > end:
                week.append(None)
                continue
            count = counts.get(day, 0)
            week.append(
                CalendarDay(
                    day,
                    count,
                    color_level(count, max_count),
                    day_query(experiment and experiment.name, day),
                )
            )
        first = start + timedelta(days=7 * week_index)
        if first.month != last_month:
            # A label needs about three columns; a partial first month yields its place.
            if calendar.months and week_index - calendar.months[-1][0] < 3:
                calendar.months.pop()
            calendar.months.append((week_index, first.strftime("%b")))
            last_month = first.month
        calendar.weeks.append(week)
    return calendar


# --- activity feed ----------------------------------------------------------


def activity_runs(experiment: Experiment) -> QuerySet[Run]:
    """The experiment's runs, newest first, with the last step of their metrics."""
    return (
        Run.objects.filter(experiment=experiment)
        .annotate(
            last_step=Max(
                "metrics__last_step",
                filter=~Q(metrics__name__startswith=SYSTEM_METRIC_PREFIX),
            )
        )
        .order_by("-created_at", "-id")
    )


def run_progress(run: Run) -> dict:
    """What the feed says about a run's progress."""
    if run.status == Run.Status.ACTIVE:
        return {
            "status": "active",
            "last_step": getattr(run, "last_step", None),
            "elapsed_seconds": int(run.duration.total_seconds()),
        }
    return {
        "status": run.status,
        "last_step": getattr(run, "last_step", None),
        "elapsed_seconds": None,
    }
