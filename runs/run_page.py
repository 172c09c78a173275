"""The single run page: one URL per tab (`/runs/<hash>/<tab>/`) and the Settings forms.

Each tab is a server-rendered partial (`templates/runs/_tab_<tab>.html`); tabs whose
data is drawn in the browser (charts, media, logs) get their lists through json_script
and fetch the heavy parts from the REST API. Writes go through runs.services.
"""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from aimsite.values import (
    SYSTEM_UNITS,
    format_context,
    format_with_unit,
    param_rows,
    system_unit,
)
from runs import overview as overviews
from runs import services
from runs.models import SYSTEM_METRIC_PREFIX, MetricSeries, Run
from runs.points import points_json
from tags.models import visible_chips

TABS: list[tuple[str, str]] = [
    ("overview", "Overview"),
    ("params", "Params"),
    ("metrics", "Metrics"),
    ("system", "System"),
    ("distributions", "Distributions"),
    ("images", "Images"),
    ("audios", "Audios"),
    ("texts", "Texts"),
    ("figures", "Figures"),
    ("logs", "Terminal Logs"),
    ("settings", "Settings"),
]
_TAB_NAMES = {name for name, _label in TABS}
# Tabs listing tracked objects of one kind (media_tracks.ObjectSequence.kind).
_OBJECT_TABS = {
    "distributions": "distribution",
    "images": "image",
    "audios": "audio",
    "texts": "text",
    "figures": "figure",
}


def _get_run(hash: str) -> Run:
    return get_object_or_404(
        Run.objects.select_related("experiment", "owner").prefetch_related("tags"),
        hash=hash,
    )


def metric_key(series: MetricSeries) -> str:
    """The key stored in Run.pinned_metrics for one series."""
    return f"{series.name} {series.context_key}"


def _series_rows(series_list, pinned: list[str]) -> list[dict]:
    """Each series' summary, plus what the page's cards need: the pin key, a
    label without the system prefix, and whether it is pinned."""
    rows = []
    for series in series_list:
        key = metric_key(series)
        rows.append(
            {
                **series.as_summary(),
                "key": key,
                "label": series.name.removeprefix(SYSTEM_METRIC_PREFIX),
                "is_pinned": key in pinned,
            }
        )
    return rows


# The Metrics and System tabs' first screen draws from points inlined in the page
# rather than one request per chart after the page's modules ran (issue 17: the tab
# loads in <= 600 ms cold, <= 150 ms warm). Cards further down still load on scroll.
# What django.utils.html.json_script escapes inside a <script> element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
FIRST_SCREEN_SERIES = 12
FIRST_SCREEN_POINTS = 600


def _first_screen_points(series_list, pinned: list[str]) -> SafeString:
    """Downsampled points of the series whose cards come first (pinned ones first,
    as the page places them), keyed by series id, as the points endpoint answers
    with `max_points`. Only series whose overview serves: never a full decode.

    JSON text for a <script type="application/json">, escaped as json_script
    escapes: the endpoint's own bytes joined, not decoded and encoded again (that
    round trip was most of the page's server time)."""
    rank = {key: index for index, key in enumerate(pinned)}
    placed = sorted(
        enumerate(series_list),
        key=lambda item: (rank.get(metric_key(item[1]), len(rank)), item[0]),
    )
    parts = []
    for _position, series in placed[:FIRST_SCREEN_SERIES]:
        sample = overviews.serving_sample(
            series.overview, series.count, FIRST_SCREEN_POINTS
        )
        if sample is not None:
            parts.append(
                b'"%d":%s' % (series.id, points_json(sample, FIRST_SCREEN_POINTS))
            )
    text = (b"{" + b",".join(parts) + b"}").decode()
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))


def _summary_rows(series_list, *, is_system: bool = False) -> list[dict]:
    rows = _series_rows(series_list, [])
    for row in rows:
        row["context_text"] = format_context(row["context"])
        unit = system_unit(row["label"]) if is_system else ""
        for field in ("last", "min", "max"):
            row[f"{field}_text"] = format_with_unit(row[field], unit)
    return rows


def _overview_context(run: Run) -> dict:
    system = run.meta.get("__system_params") or {}
    series = list(run.metrics.defer("overview"))
    git = system.get("git_info") or {}
    host_rows = [
        (label, system[key])
        for key, label in [
            ("hostname", "Hostname"),
            ("python", "Python"),
            ("platform", "Platform"),
        ]
        if system.get(key)
    ]
    return {
        "param_rows": param_rows(run.params) if run.params else [],
        "metric_rows": _summary_rows([s for s in series if not s.is_system]),
        "system_rows": _summary_rows(
            [s for s in series if s.is_system], is_system=True
        ),
        "argv_rows": list(enumerate(system.get("argv") or [])),
        "env_rows": sorted((system.get("env") or {}).items()),
        "package_rows": sorted(
            (system.get("packages") or {}).items(), key=lambda kv: kv[0].lower()
        ),
        "git_rows": [
            (key, json.dumps(value) if isinstance(value, bool) else value)
            for key, value in git.items()
        ],
        "host_rows": host_rows,
        "artifacts": list(run.artifacts.all()),
        "artifacts_uri": run.meta.get("artifacts_uri") or "",
    }


def _tab_context(run: Run, tab: str) -> dict:
    if tab == "overview":
        return _overview_context(run)
    if tab in ("metrics", "system"):
        series = (
            run.metrics.system_metrics()
            if tab == "system"
            else run.metrics.user_metrics()
        )
        series = list(series)
        pinned = run.pinned_metrics or []
        return {
            "series_rows": _series_rows(series, pinned),
            "first_points": _first_screen_points(series, pinned),
        }
    if tab in _OBJECT_TABS:
        from media_tracks.models import ObjectSequence

        sequences = ObjectSequence.objects.filter(run=run, kind=_OBJECT_TABS[tab])
        summaries = [sequence.as_summary() for sequence in sequences]
        context = {"sequences": summaries}
        if tab != "distributions":  # the other kinds have an explorer
            # The explorer opens on this run with its sequences already picked, so
            # the door shows them at once rather than an empty "pick some" page.
            picked = [
                {"name": summary["name"], "context": summary["context"]}
                for summary in summaries
            ]
            query = urlencode(
                {
                    "q": f'run.hash == "{run.hash}"',
                    "select": json.dumps(picked, separators=(",", ":")),
                }
            )
            context["explorer_url"] = f"{reverse(f'runs:{tab}')}?{query}"
        return context
    if tab == "logs":
        return {"log_count": run.log_lines.count()}
    return {}


def run_detail(request: HttpRequest, hash: str, tab: str = "overview") -> HttpResponse:
    if tab not in _TAB_NAMES:
        raise Http404(f"no tab {tab!r}")
    run = _get_run(hash)
    can_edit = run.can_edit(request.user)
    tags = visible_chips(sorted(run.tags.all(), key=lambda t: t.name))
    page_data = {
        "hash": run.hash,
        "name": run.name,
        "status": run.status,
        "is_archived": run.is_archived,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "updated_at": run.updated_at.isoformat(),
        "can_edit": can_edit,
        "tab": tab,
        "tags": tags,
        "pinned_metrics": run.pinned_metrics or [],
        "explorer_url": reverse("runs:list"),
        "system_units": SYSTEM_UNITS,
    }
    tab_context = _tab_context(run, tab)
    for key in ("series_rows", "sequences"):
        if key in tab_context:
            page_data[key] = tab_context[key]
    context = {
        "run": run,
        "section": "runs",
        "tab": tab,
        "tabs": TABS,
        "can_edit": can_edit,
        "tags": tags,
        "page_data": page_data,
        "is_media_tab": tab in _OBJECT_TABS,
        **tab_context,
    }
    return render(request, "runs/detail.html", context)


@require_POST
def run_archive(request: HttpRequest, hash: str) -> HttpResponse:
    run = _get_run(hash)
    is_archived = request.POST.get("is_archived", "true") != "false"
    services.archive_runs([run], request.user, is_archived=is_archived)
    verb = "archived" if is_archived else "unarchived"
    messages.success(request, f"Run “{run.display_name}” {verb}.")
    return redirect("runs:detail_tab", hash=run.hash, tab="settings")


@require_POST
def run_delete(request: HttpRequest, hash: str) -> HttpResponse:
    run = _get_run(hash)
    name = run.display_name
    services.delete_runs([run], request.user)
    messages.success(request, f"Run “{name}” deleted.")
    return redirect("runs:list")
