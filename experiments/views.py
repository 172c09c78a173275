"""Experiment pages: the list (search, create) and the experiment page's tabs
(overview, runs, notes, settings). Writes go through experiments.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from experiments import services, stats
from experiments.forms import ExperimentForm, NotesForm
from experiments.markdown import RendererBusy
from experiments.models import Experiment

LIST_PAGE_SIZE = 50
ACTIVITY_PAGE_SIZE = 15
STATUS_CARDS = [
    ("total", "Total runs"),
    ("active", "Active"),
    ("finished", "Finished"),
    ("failed", "Failed"),
    ("archived", "Archived"),
]


def _list_context(request: HttpRequest, form: ExperimentForm) -> dict:
    search = request.GET.get("search", "").strip()
    experiments = (
        Experiment.objects.select_related("owner")
        .with_pinned(request.user)
        .order_by("name")
    )
    if search:
        experiments = experiments.filter(
            Q(name__icontains=search) | Q(description__icontains=search)
        )
    page = Paginator(experiments, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    stats.attach_run_counts(page.object_list)  # the shown page's runs only
    return {"page": page, "search": search, "form": form, "section": "experiments"}


@require_GET
def experiment_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "experiments/list.html", _list_context(request, ExperimentForm())
    )


@require_POST
def experiment_create(request: HttpRequest) -> HttpResponse:
    form = ExperimentForm(request.POST)
    if not form.is_valid():
        context = {**_list_context(request, form), "open_create": True}
        return render(request, "experiments/list.html", context, status=400)
    experiment = services.create_experiment(
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
        owner=request.user,
    )
    messages.success(request, f"Experiment “{experiment.name}” created.")
    return redirect("experiments:detail", pk=experiment.pk)


def _page_context(request: HttpRequest, experiment: Experiment, tab: str) -> dict:
    return {
        "experiment": experiment,
        "tab": tab,
        "can_edit": experiment.can_edit(request.user),
        "is_pinned": experiment.pins.filter(user=request.user).exists(),
        "section": "experiments",
    }


def _get_experiment(pk: int) -> Experiment:
    return get_object_or_404(
        Experiment.objects.select_related("owner", "notes_updated_by"), pk=pk
    )


@require_GET
def experiment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    counts = stats.status_counts(experiment)
    cards = [
        {
            "kind": kind,
            "label": label,
            "count": getattr(counts, kind),
            "query": stats.explorer_query(experiment.name, kind),
        }
        for kind, label in STATUS_CARDS
    ]
    activity = Paginator(stats.activity_runs(experiment), ACTIVITY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        **_page_context(request, experiment, "overview"),
        "cards": cards,
        "shares": counts.shares(),
        "calendar": stats.build_calendar(experiment),
        "calendar_zone": stats.calendar_zone(),
        "activity": activity,
    }
    return render(request, "experiments/overview.html", context)


@require_GET
def experiment_runs(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    context = {
        **_page_context(request, experiment, "runs"),
        "query": f"run.experiment == {stats.aimql_string(experiment.name)}",
    }
    return render(request, "experiments/runs.html", context)


@require_http_methods(["GET", "POST"])
def experiment_notes(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    form = NotesForm(initial={"notes": experiment.notes})
    status = 200
    if request.method == "POST":
        services.check_editable(experiment, request.user)
        form = NotesForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.save_notes(
                    experiment, request.user, form.cleaned_data["notes"]
                )
            except ValidationError as error:
                form.add_error("notes", error)
            except RendererBusy as error:
                form.add_error("notes", str(error))
                status = 503
            else:
                messages.success(request, "Notes saved.")
                return redirect("experiments:notes", pk=experiment.pk)
    context = {**_page_context(request, experiment, "notes"), "form": form}
    return render(request, "experiments/notes.html", context, status=status)


@require_http_methods(["GET", "POST"])
def experiment_settings(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    form = ExperimentForm(instance=experiment)
    status = 200
    if request.method == "POST":
        services.check_editable(experiment, request.user)
        # Bind to a copy so a rejected name never shows in the page header.
        form = ExperimentForm(request.POST, instance=_get_experiment(pk))
        if form.is_valid():
            services.update_experiment(
                experiment,
                request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
            messages.success(request, "Settings saved.")
            return redirect("experiments:settings", pk=experiment.pk)
        status = 400
    context = {
        **_page_context(request, experiment, "settings"),
        "form": form,
        "delete_refusal": services.delete_refusal(experiment),
    }
    return render(request, "experiments/settings.html", context, status=status)


@require_POST
def experiment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    is_archived = request.POST.get("is_archived", "true") != "false"
    services.set_archived(experiment, request.user, is_archived)
    messages.success(
        request,
        f"Experiment “{experiment.name}” {'archived' if is_archived else 'unarchived'}.",
    )
    return redirect("experiments:settings", pk=experiment.pk)


@require_POST
def experiment_pin(request: HttpRequest, pk: int) -> HttpResponse:
    """POST pinned=1|0: pin or unpin on the user's Home page, then back to
    `next` (a path on this site) or the experiment."""
    experiment = _get_experiment(pk)
    choice = request.POST.get("pinned")
    if choice not in ("0", "1"):
        return HttpResponseBadRequest("pinned must be 1 (pin) or 0 (unpin).")
    pinned = services.set_pinned(experiment, request.user, choice == "1")
    messages.success(
        request,
        f"Experiment “{experiment.name}” {'pinned to' if pinned else 'unpinned from'} "
        "your Home page.",
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("experiments:detail", args=[experiment.pk])
    return redirect(target)


@require_POST
def experiment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    name = experiment.name
    try:
        services.delete_experiment(experiment, request.user)
    except services.ExperimentNotEmpty as error:
        messages.error(request, " ".join(error.messages))
        return redirect("experiments:settings", pk=pk)
    messages.success(request, f"Experiment “{name}” deleted.")
    return redirect("experiments:list")
