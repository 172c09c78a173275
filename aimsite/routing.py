"""Collects each app's websocket_urlpatterns."""

from runs.routing import websocket_urlpatterns as runs_patterns

websocket_urlpatterns = [*runs_patterns]
