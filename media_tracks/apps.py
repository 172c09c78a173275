from django.apps import AppConfig


class MediaTracksConfig(AppConfig):
    name = "media_tracks"
    default_auto_field = "django.db.models.BigAutoField"
