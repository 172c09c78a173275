from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tags.models import Tag


def tag_list(request: HttpRequest) -> HttpResponse:
    tags = Tag.objects.annotate(run_count=Count("runs")).order_by("name")
    return render(request, "tags/list.html", {"tags": tags, "section": "tags"})
