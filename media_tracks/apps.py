from django.apps import AppConfig


class MediaTracksConfig(AppConfig):
    name = "media_tracks"
    verbose_name = "Media tracks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # `images.*`, `audios.*`… become part of the query language everywhere,
        # so the runs explorer can name the explorer that reads them.
        from media_tracks.query import register_subjects

        register_subjects()
