from django.urls import path

from experiments import views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="list"),
    path("new/", views.experiment_create, name="create"),
    path("<int:pk>/", views.experiment_detail, name="detail"),
    path("<int:pk>/runs/", views.experiment_runs, name="runs"),
    path("<int:pk>/notes/", views.experiment_notes, name="notes"),
    path("<int:pk>/settings/", views.experiment_settings, name="settings"),
    path("<int:pk>/archive/", views.experiment_archive, name="archive"),
    path("<int:pk>/pin/", views.experiment_pin, name="pin"),
    path("<int:pk>/delete/", views.experiment_delete, name="delete"),
]
