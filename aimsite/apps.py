from django.apps import AppConfig


class AimsiteConfig(AppConfig):
    name = "aimsite"
    verbose_name = "Accounts and API tokens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from aimsite import pg_datetimes, query_budget

        query_budget.connect_signals()
        pg_datetimes.connect_signals()
