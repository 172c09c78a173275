"""The Home page (the site root, as in Aim): counts, the contributions calendar
over all experiments, recent activity, the user's pinned experiments, quick links
into every explorer. The user's recent searches are read in the browser, where
the explorers keep them (static/js/home.js).

The root used to be the runs explorer, now at /runs/: an old link with a query
string (`/?q=…&sort=…`) is redirected there with the same query string.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_GET

from experiments import stats
from experiments.models import Experiment, ExperimentPin
from runs.models import SYSTEM_METRIC_PREFIX, MetricSeries, Run
from runs.query.subjects import SEQUENCE_SUBJECTS
from tags.models import Tag

ACTIVITY_SIZE = 12

# (name, label, URL name) of the explorers that always exist; the name is also
# where an explorer keeps its recent queries in the browser (`runs.recentQueries`).
# The media explorers come from the query language's subject table and are
# linked when their page exists.
EXPLORERS = [
    ("runs", "Runs", "runs:list"),
    ("metrics", "Metrics", "runs:metrics"),
    ("params", "Params", "runs:params"),
    ("scatters", "Scatters", "runs:scatters"),
]
MEDIA_EXPLORERS = ["images", "figures", "audios", "texts"]


@dataclass
class Activity:
    """One line of the activity feed: a run started, finished or failed, or an
    experiment's notes edited."""

    kind: str  # "created" | "finished" | "failed" | "notes"
    time: datetime
    run: Run | None = None
    experiment: Experiment | None = None


def home_counts() -> dict[str, int]:
    """Non-archived runs (what the explorer shows), active runs, experiments,
    tags, metric series and their points (system metrics left out)."""
    runs = Run.objects.filter(is_archived=False).aggregate(
        runs=Count("id"), active=Count("id", filter=Q(status=Run.Status.ACTIVE))
    )
    series = MetricSeries.objects.exclude(
        name__startswith=SYSTEM_METRIC_PREFIX
    ).aggregate(series=Count("id"), points=Sum("count"))
    return {
        "runs": runs["runs"],
        "active": runs["active"],
        "experiments": Experiment.objects.filter(is_archived=False).count(),
        "tags": Tag.objects.filter(is_archived=False).count(),
        "series": series["series"],
        "points": series["points"] or 0,
    }


def recent_activity(limit: int = ACTIVITY_SIZE) -> list[Activity]:
    """The latest runs started, finished and failed, and notes edited, across all
    experiments, newest first (three small queries, each on an indexed column)."""
    runs = Run.objects.filter(is_archived=False).select_related("experiment")
    events = [Activity("created", run.created_at, run=run) for run in runs[:limit]]
    ended = runs.filter(
        status__in=[Run.Status.FINISHED, Run.Status.FAILED], finished_at__isnull=False
    ).order_by("-finished_at", "-id")
    events += [Activity(run.status, run.finished_at, run=run) for run in ended[:limit]]
    edited = Experiment.objects.filter(notes_updated_at__isnull=False).order_by(
        "-notes_updated_at"
    )
    events += [
        Activity("notes", experiment.notes_updated_at, experiment=experiment)
        for experiment in edited[:limit]
    ]
    events.sort(key=lambda event: event.time, reverse=True)
    return events[:limit]


def pinned_experiments(user) -> list[Experiment]:
    """The user's pinned experiments, latest pin first, with their run counts."""
    order = list(
        ExperimentPin.objects.filter(user=user).values_list("experiment_id", flat=True)
    )
    found = Experiment.objects.filter(id__in=order).in_bulk()
    stats.attach_run_counts(found.values())
    return [found[pk] for pk in order if pk in found]


def explorer_links() -> list[dict[str, str]]:
    """{name, label, url} of every explorer page this server has."""
    links = [
        {"name": name, "label": label, "url": reverse(url_name)}
        for name, label, url_name in EXPLORERS
    ]
    for name in MEDIA_EXPLORERS:
        subject = SEQUENCE_SUBJECTS.get(name)
        if subject is None or not subject.url:
            continue
        try:
            resolve(subject.url)
        except Resolver404:
            continue
        links.append({"name": name, "label": name.capitalize(), "url": subject.url})
    return links


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.META.get("QUERY_STRING"):
        # An old runs-explorer link (`/?q=…`): the explorer lives at /runs/ now.
        return HttpResponsePermanentRedirect(
            f"{reverse('runs:list')}?{request.META['QUERY_STRING']}"
        )
    context = {
        "section": "home",
        "counts": home_counts(),
        "calendar": stats.build_calendar(None),
        "calendar_zone": stats.calendar_zone(),
        "activity": recent_activity(),
        "pinned": pinned_experiments(request.user),
        "explorers": explorer_links(),
    }
    return render(request, "home.html", context)
