"""`aimsite assets`: build the front-end files that are built at install time, if stale."""

from django.core.management.base import BaseCommand

from aimsite.assets import ensure_plotly_partial


class Command(BaseCommand):
    help = (
        "Build the partial Plotly bundle from tools/plotly_partial's npm lock file "
        "unless it is up to date (without node/npm the full bundle is served instead)."
    )

    def handle(self, **options) -> None:
        built = ensure_plotly_partial()
        if built is not None:
            self.stdout.write(f"partial Plotly bundle: {built}")
