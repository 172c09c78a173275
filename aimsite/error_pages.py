"""The server-error handler: the site's layout for pages, the JSON error format for /api/.

404 and 403 need no code: Django's own handlers render `templates/404.html` and
`templates/403.html` with the request's context (the sidebar, the signed-in user),
and the API answers its 404s and 403s itself (`aimsite/api.py`).
"""

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger("aimsite")

SERVER_ERROR_MESSAGE = "The server failed to answer this request; the error is logged."


def server_error(request: HttpRequest) -> HttpResponse:
    """A 500 in the site's layout; Django's bare page if even that fails to render."""
    if request.path.startswith("/api/"):
        return JsonResponse({"error": SERVER_ERROR_MESSAGE}, status=500)
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The layout needs the session and the database; when they are what broke,
        # a page without them is still better than none.
        logger.exception("the 500 page failed to render in the site's layout")
        return defaults.server_error(request)
