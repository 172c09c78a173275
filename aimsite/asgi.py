"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimsite.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402
from django.core.exceptions import SuspiciousFileOperation  # noqa: E402
from django.http import Http404  # noqa: E402


class StaticFilesHandler(ASGIStaticFilesHandler):
    """Django's /static/ handler, answering 404 to a path no finder may open.

    Django's handler turns only Http404 into an answer: a traversal
    (`/static/%2e%2e/%2e%2e/secret_key`) raises SuspiciousFileOperation and a NUL
    (`/static/%00`) raises ValueError, both 500s. Nothing is served either way.
    """

    def serve(self, request):
        try:
            return super().serve(request)
        except (SuspiciousFileOperation, ValueError) as error:
            raise Http404("no such static file") from error


if settings.AIMSITE_SERVE_STATIC:
    django_asgi_app = StaticFilesHandler(django_asgi_app)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from aimsite import http_limits  # noqa: E402
from aimsite.origins import SameOriginValidator  # noqa: E402
from aimsite.routing import websocket_urlpatterns  # noqa: E402
from runs import live  # noqa: E402

# daphne (aimsite up, or python -m daphne) imports this module before it serves.
http_limits.install()

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)


async def application(scope, receive, send):
    # Live events from sync code (ingest, services) are handed to this loop.
    live.bind_event_loop(asyncio.get_running_loop())
    return await router(scope, receive, send)
