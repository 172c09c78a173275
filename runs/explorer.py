"""Explorer pages: the runs explorer and the runs-table partial it (and the
experiment page's Runs tab) loads, pages, sorts and live-refreshes; the Metrics,
Params and Scatters explorers' pages, whose data comes from the `metrics/*` and
`params/*` APIs; the media explorer's page (Images, Figures, Audios, Texts), whose
data comes from `objects/*`."""

from urllib.parse import urlencode

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aimsite.query_budget import query_timeout
from runs.query import QueryError
from runs.query.subjects import SEQUENCE_SUBJECTS
from runs.table import DEFAULT_SORT, RunsPage, parse_columns, runs_page


def query_error_context(query: str, error: QueryError | OperationalError) -> dict:
    """The expression with a caret under the column the error points at, or
    only the message when the query ran past the time budget.

    Any other database error is re-raised.
    """
    flat = query.replace("\n", " ").replace("\t", " ")
    if not isinstance(error, QueryError):
        timeout = query_timeout(error)
        if timeout is None:
            raise error
        return {"message": timeout.message, "expression": flat, "caret": ""}
    position = max(0, min(error.position, len(flat)))
    context = {
        "message": error.message,
        "expression": flat,
        "caret": " " * position + "^",
        "position": position,
    }
    # A query reading a sequence subject belongs in that subject's explorer
    # (`metric.*` → Metrics explorer, `images.*` → Images explorer).
    subject = SEQUENCE_SUBJECTS.get(error.subject or "")
    if subject and subject.url:
        # The same query, unchanged, in the explorer that can read it.
        context["explorer_url"] = f"{subject.url}?{urlencode({'q': query})}"
        context["explorer_name"] = subject.explorer
    return context


def _table_context(page: RunsPage, request: HttpRequest) -> dict:
    return {
        "page": page,
        "column_ids": [column.id for column in page.columns],
        "selectable": request.GET.get("selectable", "1") != "0",
    }


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    sort = request.GET.get("sort", DEFAULT_SORT)
    context: dict = {"section": "runs", "query": query, "sort": sort}
    try:
        page = runs_page(query, sort)
        context.update(_table_context(page, request))
    except (QueryError, OperationalError) as error:
        context["error"] = query_error_context(query, error)
    return render(
        request, "runs/list.html", context, status=400 if "error" in context else 200
    )


@require_GET
def runs_table(request: HttpRequest) -> HttpResponse:
    """GET /runs/table?q=&sort=&cursor=&columns=&rows=1&hashes=a,b

    The whole table (first load, re-sort) or, with rows=1, only rows: the next
    page for infinite scroll, or the given hashes that still match the query
    (live update: rows missing from the answer no longer match).
    """
    query = request.GET.get("q", "")
    hashes = request.GET.get("hashes")
    try:
        page = runs_page(
            query,
            request.GET.get("sort", DEFAULT_SORT),
            request.GET.get("cursor", ""),
            columns=parse_columns(request.GET.get("columns")),
            hashes=hashes.split(",") if hashes is not None else None,
        )
    except (QueryError, OperationalError) as error:
        return render(
            request,
            "runs/_query_error.html",
            {"error": query_error_context(query, error)},
            status=400,
        )
    template = (
        "runs/_runs_rows_page.html"
        if request.GET.get("rows")
        else "runs/_runs_table.html"
    )
    return render(request, template, _table_context(page, request))


@require_GET
def metrics_explorer(request: HttpRequest) -> HttpResponse:
    """The Metrics explorer's shell: the whole view state lives in the address and
    is read by runs/js/metrics_explorer.js, which fetches the series itself."""
    context = {"section": "metrics", "query": request.GET.get("q", "")}
    return render(request, "runs/explorers/metrics.html", context)


def _explorer_shell(request: HttpRequest, section: str) -> HttpResponse:
    """An explorer's page: the whole view state lives in the address and is read
    by runs/js/<section>_explorer.js, which fetches its data itself."""
    context = {"section": section, "query": request.GET.get("q", "")}
    return render(request, f"runs/explorers/{section}.html", context)


@require_GET
def params_explorer(request: HttpRequest) -> HttpResponse:
    return _explorer_shell(request, "params")


@require_GET
def scatters_explorer(request: HttpRequest) -> HttpResponse:
    return _explorer_shell(request, "scatters")


# The media explorer's kinds, in the order of its kind switch: (kind as the
# query and the objects API spell it, the page's title).
MEDIA_EXPLORERS = [
    ("images", "Images"),
    ("figures", "Figures"),
    ("audios", "Audios"),
    ("texts", "Texts"),
]


@require_GET
def media_explorer(request: HttpRequest, kind: str) -> HttpResponse:
    """One page for the Images, Figures, Audios and Texts explorers: the kind comes
    from the address (`/images/`…), everything else is read by
    runs/js/media_explorer.js from the query string."""
    context = {
        "section": kind,
        "kind": kind,
        "title": dict(MEDIA_EXPLORERS)[kind],
        "kinds": MEDIA_EXPLORERS,
        "query": request.GET.get("q", ""),
    }
    return render(request, "runs/explorers/media.html", context)
