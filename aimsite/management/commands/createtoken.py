from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from aimsite.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for USER and print it (for scripts and CI)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="a label for the token")

    def handle(self, username: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(
                f"No user named {username!r}. Create one with `aimsite createsuperuser`."
            )
        if not name.strip() or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters")
        _token, secret = ApiToken.issue(user, name.strip())
        self.stdout.write(secret)
