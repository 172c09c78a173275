"""`aimsite up`: migrate, optionally fill demo data, and serve HTTP + WebSocket."""

import logging
import os
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aimsite.assets import ensure_plotly_partial
from aimsite.static_files import collect_if_needed
from runs.models import Run

logger = logging.getLogger("aimsite")


def _start_heartbeat_watch(interval: float = 60.0) -> None:
    """Runs whose SDK went silent become failed (idempotent, so N servers may all do it)."""
    import threading

    from django.db import close_old_connections

    from runs.services import expire_silent_runs

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                close_old_connections()
                expire_silent_runs()
            except Exception:
                logger.exception("heartbeat watch failed")

    threading.Thread(target=watch, name="aimsite-heartbeat-watch", daemon=True).start()


class Command(BaseCommand):
    help = "Migrate the database and serve aimsite with daphne (HTTP + WebSocket)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--host", default=os.environ.get("AIMSITE_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("AIMSITE_PORT", "43800"))
        )
        parser.add_argument(
            "--demo",
            action="store_true",
            help="fill demo data when there are no runs yet",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="skip migrations, asset builds and collectstatic (another process ran them)",
        )

    def handle(
        self, host: str, port: int, demo: bool, no_migrate: bool, **options
    ) -> None:
        started = time.monotonic()
        if not no_migrate:
            # The one process that prepares (migrates) also builds the partial Plotly
            # bundle and collects static files: hashed names and gzip copies, each
            # redone only when a source changed.
            call_command("migrate", interactive=False, verbosity=0)
            ensure_plotly_partial()
            if collect_if_needed():
                self.stdout.write(f"collected static files into {settings.STATIC_ROOT}")
        self._ensure_admin()
        if demo and not Run.objects.exists():
            call_command("demo")
        live_demo = self._start_live_demo() if demo else None
        url = f"http://{host}:{port}/"
        self.stdout.write(self.style.SUCCESS(f"aimsite is starting at {url}"))
        self._print_sign_in()
        if not settings.REDIS_URL:
            logger.warning(
                "REDIS_URL is not set: live updates reach this process's sockets only"
            )
        self.stdout.write(
            f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, data dir: {settings.DATA_DIR}"
        )
        self.stdout.write(
            f"prepared in {time.monotonic() - started:.2f}s; press Ctrl+C to stop"
        )
        _start_heartbeat_watch()
        from daphne.cli import CommandLineInterface

        try:
            CommandLineInterface().run(
                [
                    "-b",
                    host,
                    "-p",
                    str(port),
                    "--proxy-headers",
                    "aimsite.asgi:application",
                ]
            )
        finally:
            # daphne returns on SIGTERM or Ctrl+C: the live run ends with the server.
            if live_demo is not None:
                live_demo.stop()
                self.stdout.write(f"Live demo run {live_demo.run.name!r} finished.")

    def _start_live_demo(self):
        from aimsite.demo import demo_owner
        from aimsite.demo.live import LiveDemoRun

        live_demo = LiveDemoRun.start(demo_owner())
        self.stdout.write(
            f"Live demo run {live_demo.run.name!r} logs points every second "
            "while the server runs."
        )
        return live_demo

    def _ensure_admin(self) -> None:
        User = get_user_model()
        password = os.environ.get("AIMSITE_ADMIN_PASSWORD")
        username = os.environ.get("AIMSITE_ADMIN_USER", "admin")
        if password and not User.objects.filter(username=username).exists():
            User.objects.create_superuser(
                username=username, email="", password=password
            )
            self.stdout.write(
                f"Created the administrator {username!r} (password from AIMSITE_ADMIN_PASSWORD)."
            )

    def _print_sign_in(self) -> None:
        User = get_user_model()
        if not User.objects.exists():
            self.stdout.write(
                self.style.WARNING(
                    "No user exists yet. Create one with `aimsite createsuperuser`, "
                    "or start with AIMSITE_ADMIN_PASSWORD=… to create 'admin'."
                )
            )
            return
        username = os.environ.get("AIMSITE_ADMIN_USER", "admin")
        if (
            os.environ.get("AIMSITE_ADMIN_PASSWORD")
            and User.objects.filter(username=username).exists()
        ):
            self.stdout.write(
                f"Sign in as {username!r} with the password in AIMSITE_ADMIN_PASSWORD."
            )
        else:
            self.stdout.write(
                "Sign in with your account (`aimsite createsuperuser` makes one)."
            )
