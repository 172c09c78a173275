"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aimsite.settings")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

from aimsite.static_files import StaticFilesApp  # noqa: E402

if settings.AIMSITE_SERVE_STATIC:
    # /static/ is answered before Django: hashed names, gzip, ETags (static_files.py).
    django_asgi_app = StaticFilesApp(django_asgi_app)

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
