from django.urls import path

from tags import views

app_name = "tags"

urlpatterns = [
    path("", views.tag_list, name="list"),
    path("create/", views.tag_create, name="create"),
    path("<int:tag_id>/edit/", views.tag_edit, name="edit"),
    path("<int:tag_id>/archive/", views.tag_archive, name="archive"),
    path("<int:tag_id>/delete/", views.tag_delete, name="delete"),
]
