from django.urls import path

from runs import consumers

websocket_urlpatterns = [
    path("ws/runs/", consumers.RunsConsumer.as_asgi()),
    path("ws/runs/<str:hash>/", consumers.RunConsumer.as_asgi()),
]
