"""Runs pages: the runs list (the full explorer grows here). The run page: run_page.py."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from runs.models import Run


def run_list(request: HttpRequest) -> HttpResponse:
    runs = Run.objects.visible().select_related("experiment").order_by("-created_at", "-id")
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    return render(request, "runs/list.html", {"page": page, "section": "runs"})
