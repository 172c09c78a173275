"""Site-wide middleware: sign-in for every page, and the per-request query budget."""

from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as _DjangoLoginRequired,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from aimsite.query_budget import query_budget, query_timeout


class LoginRequiredMiddleware(_DjangoLoginRequired):
    def process_view(self, request, view_func, view_args, view_kwargs):
        # API clients get JSON 401/403 from DRF instead of a redirect to a form.
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class QueryBudgetMiddleware:
    """Every SQL statement of a request runs under AIMSITE_QUERY_TIMEOUT seconds.

    Past it the request answers 400 (pages that show query errors themselves,
    like the runs explorer, catch QueryTimeout first); DRF re-raises what its
    exception handler does not know, so API views end up here too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with query_budget(settings.AIMSITE_QUERY_TIMEOUT):
            return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        timeout = query_timeout(exception)
        if timeout is None:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse({"error": timeout.message}, status=400)
        return HttpResponseBadRequest(
            timeout.message, content_type="text/plain; charset=utf-8"
        )
