"""Site-wide middleware: the URL text guard, sign-in for every page, and the
per-request query budget."""

from django.conf import settings
from django.contrib.auth.middleware import (
    LoginRequiredMiddleware as _DjangoLoginRequired,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from aimsite.query_budget import query_budget, query_timeout
from aimsite.text import text_problem


class UrlTextGuardMiddleware(MiddlewareMixin):
    """Refuses a URL whose path or query string decodes to a NUL, before any view.

    `%00` decodes to a NUL, which PostgreSQL refuses in every text comparison
    (`tags/?q=%00` and `runs/{hash}/objects?kind=%00` were 500s there), so it is
    refused once here for every page, API call and parameter. Percent-decoding
    replaces invalid UTF-8, so a URL cannot carry a lone surrogate.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        problem = text_problem(request.path_info)
        if problem:
            return _bad_request(request, f"the URL path {problem}", "")
        for name, values in request.GET.lists():
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    return _bad_request(
                        request, f"the query parameter {name!r:.40} {problem}", name
                    )
        return None


def _bad_request(request: HttpRequest, message: str, field: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        body = {"error": message, "field": field} if field else {"error": message}
        return JsonResponse(body, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class LoginRequiredMiddleware(_DjangoLoginRequired):
    """Every page needs a signed-in user; the API answers 401 itself (DRF)."""

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
