from django.urls import path

from runs import run_page, views

app_name = "runs"

urlpatterns = [
    path("", views.run_list, name="list"),
    path("runs/<str:hash>/", run_page.run_detail, name="detail"),
    path("runs/<str:hash>/settings/archive/", run_page.run_archive, name="archive"),
    path("runs/<str:hash>/settings/delete/", run_page.run_delete, name="delete"),
    path("runs/<str:hash>/<slug:tab>/", run_page.run_detail, name="detail_tab"),
]
