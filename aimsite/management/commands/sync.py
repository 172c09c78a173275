"""`aimsite sync`: send the SDK's leftover spool files (data tracked while the server was
down), and resend the tracked objects the server refused (`.refused` files, see
aimsite/sdk/spool.py); objects refused again stay in their files and are listed."""

import os

from django.core.management.base import BaseCommand, CommandError

from aimsite.sdk.spool import default_spool_dir, send_spool_files
from aimsite.sdk.transport import DEFAULT_SERVER


class Command(BaseCommand):
    help = (
        "Send spool files the SDK left behind when the server was unreachable, and "
        "resend tracked objects the server refused. Files still being written by a "
        "running process are skipped."
    )
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--server", default=os.environ.get("AIMSITE_SERVER") or DEFAULT_SERVER
        )
        parser.add_argument(
            "--token",
            default=os.environ.get("AIMSITE_TOKEN"),
            help="default: AIMSITE_TOKEN",
        )
        parser.add_argument(
            "--spool-dir",
            default=None,
            help="default: AIMSITE_SPOOL_DIR or ~/.aimsite/spool",
        )

    def handle(
        self, server: str, token: str | None, spool_dir: str | None, **options
    ) -> None:
        if not token:
            raise CommandError(
                "Give an API token with --token or AIMSITE_TOKEN (`aimsite createtoken USER`)."
            )
        directory = spool_dir or default_spool_dir()
        result = send_spool_files(
            directory,
            server,
            token,
            warn=lambda message: self.stderr.write(message),
            include_refused=True,
        )
        self.stdout.write(
            f"Sent {result.files_sent} spool file(s), {result.requests_sent} request(s) to {server}"
            + (f"; {result.rejected} refused by the server" if result.rejected else "")
        )
        if result.files_left:
            raise CommandError(
                f"{server} is unreachable: {result.files_left} file(s) left in {directory}; try again later."
            )
        if result.refused:
            files = "\n".join(f"  {path}" for path in result.refused)
            raise CommandError(
                f"{server} still refuses the tracked objects of {len(result.refused)} "
                f"upload(s) (the reasons are above). They are kept in\n{files}\n"
                "`aimsite sync` sends them again; delete a file to give its objects up."
            )
