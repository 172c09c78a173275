from django.urls import path

from runs import explorer, run_page

app_name = "runs"

urlpatterns = [
    path("runs/", explorer.run_list, name="list"),
    path("runs/table", explorer.runs_table, name="table"),
    path("metrics/", explorer.metrics_explorer, name="metrics"),
    path("params/", explorer.params_explorer, name="params"),
    path("scatters/", explorer.scatters_explorer, name="scatters"),
    *(
        path(f"{kind}/", explorer.media_explorer, {"kind": kind}, name=kind)
        for kind, _title in explorer.MEDIA_EXPLORERS
    ),
    path("runs/<str:hash>/", run_page.run_detail, name="detail"),
    path("runs/<str:hash>/settings/archive/", run_page.run_archive, name="archive"),
    path("runs/<str:hash>/settings/delete/", run_page.run_delete, name="delete"),
    path("runs/<str:hash>/<slug:tab>/", run_page.run_detail, name="detail_tab"),
]
