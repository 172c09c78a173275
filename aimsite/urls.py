from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from aimsite import home, views
from aimsite.api import not_found
from experiments.api import ExperimentViewSet
from media_tracks.api import (
    RecordFileView,
    RunObjectsView,
    SequenceRecordsView,
    SequenceStepsView,
)
from media_tracks.explorer import (
    ObjectNamesView,
    ObjectSearchView,
    ObjectSequencesView,
    TextHtmlView,
)
from runs.api import RunViewSet
from runs.artifacts_api import ArtifactFileView, RunArtifactsView
from runs.explorers.api import MetricsExplorerViewSet
from runs.explorers.params import ParamsFieldsView, ParamsSearchView
from tags.api import TagViewSet

router = DefaultRouter()
# The wire format writes `runs/{hash}/track` without a slash; accept both forms.
router.trailing_slash = "/?"
router.register("runs", RunViewSet, basename="run")
router.register("experiments", ExperimentViewSet, basename="experiment")
router.register("tags", TagViewSet, basename="tag")
router.register("metrics", MetricsExplorerViewSet, basename="metrics")

api_urlpatterns = [
    path("runs/<str:hash>/objects", RunObjectsView.as_view(), name="run-objects"),
    path("runs/<str:hash>/artifacts", RunArtifactsView.as_view(), name="run-artifacts"),
    path(
        "artifacts/<int:artifact_id>/file",
        ArtifactFileView.as_view(),
        name="artifact-file",
    ),
    path(
        "objects/sequences/<int:sequence_id>/records",
        SequenceRecordsView.as_view(),
        name="sequence-records",
    ),
    path(
        "objects/sequences/<int:sequence_id>/steps",
        SequenceStepsView.as_view(),
        name="sequence-steps",
    ),
    path("objects/names", ObjectNamesView.as_view(), name="object-names"),
    path("objects/<int:record_id>/file", RecordFileView.as_view(), name="record-file"),
    path("objects/search", ObjectSearchView.as_view(), name="object-search"),
    path("objects/sequences", ObjectSequencesView.as_view(), name="object-sequences"),
    path("objects/texts/html", TextHtmlView.as_view(), name="object-texts-html"),
    path("params/search", ParamsSearchView.as_view(), name="params-search"),
    path("params/fields", ParamsFieldsView.as_view(), name="params-fields"),
    *router.urls,
    # Last: an API client gets the JSON error format for a path it got wrong too.
    re_path(r"^(?P<path>.*)$", not_found, name="not-found"),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("runs.urls")),
    path("accounts/", include("aimsite.account_urls")),
    path("experiments/", include("experiments.urls")),
    path("tags/", include("tags.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
]

handler500 = "aimsite.error_pages.server_error"
