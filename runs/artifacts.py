"""Run artifacts: files a script logs with `run.log_artifact()` / `log_artifacts()`.

Stored through Django's storage under `runs/<hash>/artifacts/`, one row per
(run, name); logging a name again replaces its file, so a retried upload changes
nothing. The API and the run page call these functions; `runs.services.delete_runs`
removes the files with the run.
"""

import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from aimsite.errors import IngestError
from aimsite.text import text_problem
from runs.models import Artifact, Run
from runs.services import delete_stored_files

MAX_NAME_LENGTH = 500


def clean_artifact_name(name: object) -> str:
    """A relative POSIX path such as `model/weights.pt`, or IngestError."""
    if not isinstance(name, str) or not name.strip():
        raise IngestError("name must be a non-empty relative path", "name")
    problem = text_problem(name)
    if problem:
        raise IngestError(f"name {problem}", "name")
    if len(name) > MAX_NAME_LENGTH:
        raise IngestError(f"name is longer than {MAX_NAME_LENGTH} characters", "name")
    if "\\" in name or any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise IngestError(
            "name must not hold control characters or backslashes", "name"
        )
    parts = name.split("/")
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise IngestError(
            "name must be a relative path without empty, '.' or '..' parts "
            "(such as model/weights.pt)",
            "name",
        )
    return name


def store_artifact(run: Run, name: str, upload: UploadedFile) -> Artifact:
    """Save `upload` as the run's artifact `name`, replacing one of that name."""
    name = clean_artifact_name(name)
    replaced = ""
    artifact = Artifact(run=run, name=name, size=upload.size)
    try:
        with transaction.atomic():
            current = (
                Artifact.objects.select_for_update().filter(run=run, name=name).first()
            )
            if current is not None:
                artifact, replaced = current, current.file.name
                artifact.size = upload.size
                artifact.created_at = timezone.now()
            artifact.file.save(_storage_name(name), upload, save=False)
            artifact.save()
            if replaced:
                transaction.on_commit(lambda: delete_stored_files([replaced]))
    except Exception:
        # The row rolled back: its new file must not stay behind.
        if artifact.file.name and artifact.file.name != replaced:
            delete_stored_files([artifact.file.name])
        raise
    return artifact


def _storage_name(name: str) -> str:
    """A file name storage takes for any artifact name: the logged name is kept
    in the row, so this only has to be safe and short."""
    try:
        safe = get_valid_filename(posixpath.basename(name))
    except SuspiciousFileOperation:
        safe = ""
    stem, dot, extension = safe.rpartition(".")
    if not dot:
        stem, extension = safe, ""
    extension = extension[:16]
    return f"{stem[:80] or 'artifact'}{'.' if extension else ''}{extension}"


def artifact_files(runs: list[Run]) -> list[str]:
    """The storage names of these runs' artifacts (for deleting them)."""
    return list(Artifact.objects.filter(run__in=runs).values_list("file", flat=True))
