"""Writes on runs that UI, API and admin share: archive, delete, tags, pins.

Every function checks permission for the whole set first and raises
PermissionDenied naming the runs that cannot be changed, so nothing is half-done.
"""

import logging
import shutil
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from runs import live
from runs.models import Run

logger = logging.getLogger(__name__)


def check_editable(runs: list[Run], user) -> None:
    refused = [run for run in runs if not run.can_edit(user)]
    if refused:
        names = ", ".join(run.display_name for run in refused[:5])
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        raise PermissionDenied(
            f"You may not change {len(refused)} of the selected runs "
            f"(owned by someone else): {names}{more}. Nothing was changed."
        )


class SelectionSummary(TypedDict):
    total: int
    changeable: int  # the user may archive or delete these (owner or staff)
    owned: int
    archived: int


def selection_summary(runs: QuerySet, user) -> SelectionSummary:
    """What a batch on these runs would touch, counted in one query, so a
    confirmation can say how many runs change before anything does."""
    counts = runs.aggregate(
        total=Count("pk"),
        # Run.can_edit() in SQL: the owner, or staff for every run.
        owned=Count("pk", filter=Q(owner_id=user.pk)),
        archived=Count("pk", filter=Q(is_archived=True)),
    )
    return {
        "total": counts["total"],
        "changeable": counts["total"] if user.is_staff else counts["owned"],
        "owned": counts["owned"],
        "archived": counts["archived"],
    }


def archive_runs(runs, user, *, is_archived: bool = True) -> int:
    """Archive (or unarchive) runs; returns how many changed."""
    runs = list(runs)
    check_editable(runs, user)
    hashes = [run.hash for run in runs if run.is_archived != is_archived]
    with transaction.atomic():
        Run.objects.filter(hash__in=hashes).update(
            is_archived=is_archived, updated_at=timezone.now()
        )
        live.runs_removed("archived" if is_archived else "unarchived", hashes)
    return len(hashes)


def _run_media_dir(run_hash: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "runs" / run_hash


def delete_stored_files(names: list[str]) -> None:
    """Delete files from storage; one that cannot be is logged, not raised."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name)


def _remove_files(names: list[str], run_hashes: list[str]) -> None:
    delete_stored_files(names)
    remove_media_dirs(run_hashes)


def remove_media_dirs(run_hashes: list[str]) -> None:
    """Remove the runs' media folders: after their rows are gone, or when the
    transaction that wrote their first files rolled back (an import that failed)."""
    for run_hash in run_hashes:
        shutil.rmtree(_run_media_dir(run_hash), ignore_errors=True)


def delete_runs(runs, user) -> int:
    """Delete runs with every row and file they own. Irreversible."""
    from media_tracks.models import ObjectRecord
    from runs.artifacts import artifact_files

    runs = list(runs)
    check_editable(runs, user)
    if not runs:
        return 0
    hashes = [run.hash for run in runs]
    with transaction.atomic():
        files = list(
            ObjectRecord.objects.filter(sequence__run__in=runs)
            .exclude(file="")
            .values_list("file", flat=True)
        )
        files += artifact_files(runs)
        Run.objects.filter(pk__in=[run.pk for run in runs]).delete()
        live.runs_removed("deleted", hashes)
        # Files go only once the rows are gone for good.
        transaction.on_commit(lambda: _remove_files(files, hashes))
    return len(runs)


PROGRESS_GRACE_SECONDS = 100  # Aim's grace period after a missed progress report


def expire_silent_runs() -> int:
    """Mark active runs whose heartbeat went silent, or whose promised progress
    report (run.report_progress(expect_next_in=N)) is overdue past a grace period,
    as failed, and tell live pages."""
    from datetime import timedelta

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.AIMSITE_HEARTBEAT_TIMEOUT)
    overdue = now - timedelta(seconds=PROGRESS_GRACE_SECONDS)
    silent = list(
        Run.objects.filter(
            Q(last_heartbeat__lt=cutoff) | Q(progress_deadline__lt=overdue),
            status=Run.Status.ACTIVE,
        ).select_related("experiment")
    )
    if not silent:
        return 0
    with transaction.atomic():
        Run.objects.filter(
            pk__in=[run.pk for run in silent], status=Run.Status.ACTIVE
        ).update(status=Run.Status.FAILED, updated_at=timezone.now())
        for run in silent:
            run.status = Run.Status.FAILED
            live.run_changed(run)
    return len(silent)


def set_pinned_metrics(run: Run, user, keys: list[str]) -> Run:
    check_editable([run], user)
    run.pinned_metrics = list(dict.fromkeys(keys))
    run.save(update_fields=["pinned_metrics"])
    return run


def update_run(run: Run, user, **fields) -> Run:
    """Change name/description of a run (owner or staff)."""
    check_editable([run], user)
    for name, value in fields.items():
        setattr(run, name, value)
    run.updated_at = timezone.now()
    run.save(update_fields=[*fields, "updated_at"])
    live.run_changed(run)
    return run


def attach_tags(run: Run, user, tags) -> Run:
    check_editable([run], user)
    run.tags.add(*tags)
    live.run_tags_changed(run)
    return run


def detach_tags(run: Run, user, tags) -> Run:
    check_editable([run], user)
    run.tags.remove(*tags)
    live.run_tags_changed(run)
    return run
