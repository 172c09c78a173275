"""Runs pages: the runs list (the full explorer grows here) and the run page."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from runs.models import Run


def run_list(request: HttpRequest) -> HttpResponse:
    runs = Run.objects.visible().select_related("experiment").order_by("-created_at", "-id")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "runs/list.html", {"page": page, "section": "runs"})


def run_detail(request: HttpRequest, hash: str) -> HttpResponse:
    run = get_object_or_404(Run.objects.select_related("experiment", "owner"), hash=hash)
    return render(request, "runs/detail.html", {"run": run, "section": "runs"})
