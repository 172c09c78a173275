"""`aimsite import aim|mlflow|tensorboard SOURCE`: bring existing history over.

A thin adapter: it parses the options, picks the reader and hands both to
aimsite.importers.base.Importer, then prints the summary. The exit status is
non-zero only when nothing could be read.
"""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from aimsite.importers import READERS
from aimsite.importers.base import Importer, Options
from aimsite.importers.source import SourceError

SOURCES = {
    "aim": "a directory holding an Aim repository (.aim)",
    "mlflow": "an MLflow tracking server URL, a sqlite:/// URI or an mlruns folder",
    "tensorboard": "a TensorBoard log directory (one run per sub-folder)",
}


class Command(BaseCommand):
    help = "Import runs from an Aim repo, an MLflow store or TensorBoard logs."

    def add_arguments(self, parser) -> None:
        sources = parser.add_subparsers(
            dest="source_kind", required=True, metavar="{aim,mlflow,tensorboard}"
        )
        for kind, what in SOURCES.items():
            sub = sources.add_parser(kind, help=f"import {what}")
            sub.add_argument("location", help=what)
            sub.add_argument(
                "--experiment",
                help="put every run into this experiment (default: the source's)",
            )
            sub.add_argument(
                "--owner",
                help="the user who owns the imported runs (default: the admin)",
            )
            sub.add_argument(
                "--dry-run",
                action="store_true",
                help="print what would come over and write nothing",
            )

    def handle(self, *args, source_kind: str, location: str, **options) -> None:
        owner = self._owner(options.get("owner"))
        experiment = (options.get("experiment") or "").strip() or None
        if options.get("experiment") is not None and experiment is None:
            raise CommandError("--experiment must not be blank")
        if experiment is not None and len(experiment) > 200:
            raise CommandError("--experiment must be at most 200 characters")
        reader_class = self._reader_class(source_kind)
        try:
            with reader_class(location) as reader:
                summary = Importer(
                    reader,
                    Options(owner, experiment, is_dry_run=options["dry_run"]),
                    self.stdout,
                ).run()
        except SourceError as error:
            raise CommandError(f"cannot read {location}: {error}") from error
        for line in summary.lines(options["dry_run"]):
            self.stdout.write(line)
        if summary.is_nothing_read:
            raise CommandError("no run could be imported (see above)")

    def _reader_class(self, kind: str):
        try:
            return import_string(READERS[kind])
        except ImportError as error:
            raise CommandError(
                f"importing from {kind} needs the {error.name or kind} package "
                f'({error}): pip install "aimsite[importers]"'
            ) from error

    def _owner(self, username: str | None):
        users = get_user_model().objects
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"--owner: there is no user {username!r}")
            return user
        default = os.environ.get("AIMSITE_ADMIN_USER", "admin")
        user = (
            users.filter(username=default).first()
            or users.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError(
                "no user to own the imported runs: pass --owner USER, or create "
                "one first (aimsite createsuperuser)"
            )
        return user
