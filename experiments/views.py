from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from experiments.models import Experiment


def experiment_list(request: HttpRequest) -> HttpResponse:
    experiments = Experiment.objects.annotate(run_count=Count("runs")).order_by("name")
    return render(request, "experiments/list.html", {"experiments": experiments, "section": "experiments"})


def experiment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = get_object_or_404(Experiment, pk=pk)
    return render(request, "experiments/detail.html", {"experiment": experiment, "section": "experiments"})
