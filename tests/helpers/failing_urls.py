"""The site's URLs plus two test-only views that fail, to see the real 500 answers.

A server started with `DJANGO_SETTINGS_MODULE=tests.helpers.failing_settings`
serves these; the application never does.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from aimsite.urls import handler500
from aimsite.urls import urlpatterns as site_urlpatterns

__all__ = ["handler500", "urlpatterns"]


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a test-only failure")


urlpatterns = [
    path("test-only/fail/", fail),
    path("api/test-only/fail/", fail),
    *site_urlpatterns,
]
