from django.urls import path

from experiments import views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="list"),
    path("<int:pk>/", views.experiment_detail, name="detail"),
]
