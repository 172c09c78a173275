"""The ingest path: create runs by client-made hash and apply tracked batches.

One batch (docs/architecture.md, "The ingest path") carries a params patch, metric points for many series, log
lines and a status change. It is validated whole before anything is written, then
applied in one transaction, and its client sequence number is recorded in the same
transaction, so a replayed batch changes nothing and a rejected one writes nothing.
The REST API, the demo data command and the tests all go through these functions.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from aimsite.errors import IngestError, data_error_message
from aimsite.numbers import INT64_MAX, is_finite_number, is_storable_number, json_int
from aimsite.text import text_problem
from experiments.models import DEFAULT_EXPERIMENT_NAME, Experiment
from runs import live
from runs import overview as overviews
from runs.contexts import ContextError, context_key, validate_context, validate_name
from runs.metrics import (
    CHUNK_SIZE,
    NULL_EPOCH,
    Points,
    decode_chunk,
    encode_chunk,
    summarize,
)
from runs.models import HASH_RE, AppliedBatch, LogLine, MetricChunk, MetricSeries, Run

MAX_PARAMS_DEPTH = 32
MAX_LOG_LINE_LENGTH = 64 * 1024
_BATCH_FIELDS = {
    "seq",
    "params",
    "unset",
    "metrics",
    "logs",
    "status",
    "meta",
    "tags",
    "expect_next_in",
}
MAX_UNSET_PATHS = 1000
MAX_EXPECT_NEXT_IN = 366 * 24 * 3600  # a year, in seconds
MAX_TAGS_PER_BATCH = 100
_SERIES_FIELDS = {"name", "context", "steps", "values", "epochs", "times"}
_LOG_FIELDS = {"line", "text", "time", "level"}
_LOG_LEVELS = {level for level in LogLine.Level.values if level}
SEQ_REQUIRED = "seq is required: an integer per run, used to drop replays"


@dataclass
class SeriesBatch:
    name: str
    context: dict
    context_key: str
    points: Points


@dataclass
class Batch:
    seq: int
    params: dict | None = None
    meta: dict | None = None
    series: list[SeriesBatch] = field(default_factory=list)
    logs: list[tuple[int, str, float | None, str]] = field(default_factory=list)
    unset: list[list[str]] = field(default_factory=list)
    status: str | None = None
    expect_next_in: float | None = None
    attach_tags: list[str] = field(default_factory=list)
    detach_tags: list[str] = field(default_factory=list)
    # When the batch happened, if not now: importers replay a run's history, so
    # its heartbeat, last update and end are the source's times (not on the wire).
    at: datetime | None = None


@dataclass
class BatchResult:
    seq: int
    applied: bool
    run: Run | None = None  # the run as the batch left it, when applied


# -- validation (pure: no database) -------------------------------------------


def _check_text(text: str, where: str) -> None:
    problem = text_problem(text)
    if problem:
        raise IngestError(f"{where} {problem}", where)


def _check_json_tree(value: object, where: str, depth: int = 0) -> None:
    if depth > MAX_PARAMS_DEPTH:
        raise IngestError(f"{where} is nested deeper than {MAX_PARAMS_DEPTH}", where)
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise IngestError(f"{where} keys must be strings", where)
            _check_text(key, f"{where} key {key!r:.40}")
            _check_json_tree(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            _check_json_tree(item, f"{where}[{position}]", depth + 1)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not is_storable_number(value):
            raise IngestError(
                f"{where} must be a finite number, and an integer a 64-bit one", where
            )
    elif not (value is None or isinstance(value, bool | int | float | str)):
        raise IngestError(f"{where} has an unsupported type", where)


def validate_params(params: object, where: str = "params") -> dict:
    if not isinstance(params, dict):
        raise IngestError(f"{where} must be an object", where)
    _check_json_tree(params, where)
    return params


def _int_column(
    raw: object, where: str, count: int | None, nullable: bool
) -> np.ndarray:
    if not isinstance(raw, list):
        raise IngestError(f"{where} must be a list", where)
    if count is not None and len(raw) != count:
        raise IngestError(f"{where} has {len(raw)} items, steps has {count}", where)
    converted = False  # nulls, or integral floats (`3.0` is JSON's same number as 3)
    for item in raw:
        kind = type(item)
        if kind is not int:
            if item is None and nullable:
                converted = True
                continue
            if kind is not float or not item.is_integer():
                expected = "integers or null" if nullable else "integers"
                raise IngestError(
                    f"{where} must hold {expected}, got {item!r:.40}", where
                )
            converted = True
        if not 0 <= item <= INT64_MAX:
            raise IngestError(f"{where} values must be between 0 and 2**63-1", where)
    if converted:
        return np.array([NULL_EPOCH if i is None else int(i) for i in raw], np.int64)
    return np.array(raw, np.int64)


def _float_column(raw: object, where: str, count: int) -> np.ndarray:
    if not isinstance(raw, list):
        raise IngestError(f"{where} must be a list", where)
    if len(raw) != count:
        raise IngestError(f"{where} has {len(raw)} items, steps has {count}", where)
    has_null = False
    for item in raw:
        kind = type(item)
        if kind is float:
            continue  # NaN and infinities too: the wire format's tokens allow them
        if kind is int:
            if not is_finite_number(item):
                raise IngestError(
                    f"{where} holds a number too large for float64", where
                )
            continue
        if item is None:
            has_null = True
            continue
        raise IngestError(f"{where} must hold numbers, got {item!r:.40}", where)
    if has_null:
        return np.array([math.nan if i is None else i for i in raw], np.float64)
    return np.array(raw, np.float64)


def _parse_series(raw: object, where: str) -> SeriesBatch:
    if not isinstance(raw, dict):
        raise IngestError(f"{where} must be an object", where)
    unknown = set(raw) - _SERIES_FIELDS
    if unknown:
        raise IngestError(
            f"{where} has unknown fields: {', '.join(sorted(unknown))}", where
        )
    try:
        name = validate_name(raw.get("name"), f"{where}.name")
        context = validate_context(raw.get("context"))
    except ContextError as error:
        raise IngestError(str(error), where) from error
    steps = _int_column(raw.get("steps"), f"{where}.steps", None, nullable=False)
    count = len(steps)
    if count == 0:
        raise IngestError(f"{where}.steps is empty", where)
    values = _float_column(raw.get("values"), f"{where}.values", count)
    epochs = (
        _int_column(raw["epochs"], f"{where}.epochs", count, nullable=True)
        if raw.get("epochs") is not None
        else np.full(count, NULL_EPOCH, np.int64)
    )
    times = (
        _float_column(raw["times"], f"{where}.times", count)
        if raw.get("times") is not None
        else np.full(count, math.nan)
    )
    return SeriesBatch(
        name, context, context_key(context), Points(steps, values, epochs, times)
    )


def series_batch(
    name: str,
    context: dict,
    steps: np.ndarray,
    values: np.ndarray,
    epochs: np.ndarray | None = None,
    times: np.ndarray | None = None,
) -> SeriesBatch:
    """A series batch from columns already in memory (importers), checked as the
    wire format's are but column-wise: names and contexts as `track`'s, steps
    and epochs non-negative integers (NaN epochs: none), times finite or NaN."""
    try:
        name = validate_name(name)
        context = validate_context(context)
    except ContextError as error:
        raise IngestError(str(error), "metrics") from error
    steps = np.asarray(steps)
    count = len(steps)
    if count == 0:
        raise IngestError(f"series {name!r} has no points", "metrics")
    if not np.all(np.isfinite(steps)) or np.any(steps < 0) or np.any(steps % 1):
        raise IngestError(f"series {name!r}: steps must be integers >= 0", "metrics")
    values = np.asarray(values, np.float64)
    columns = {"values": values}
    if epochs is not None:
        epochs = np.asarray(epochs, np.float64)
        known = ~np.isnan(epochs)
        if np.any(epochs[known] < 0) or np.any(epochs[known] % 1):
            raise IngestError(
                f"series {name!r}: epochs must be integers >= 0", "metrics"
            )
        columns["epochs"] = epochs
    if times is not None:
        times = np.asarray(times, np.float64)
        columns["times"] = times
    for column, data in columns.items():
        if len(data) != count:
            raise IngestError(
                f"series {name!r}: {column} has {len(data)} items, steps has {count}",
                "metrics",
            )
    return SeriesBatch(
        name,
        context,
        context_key(context),
        Points(
            steps.astype(np.int64),
            values,
            np.full(count, NULL_EPOCH, np.int64)
            if epochs is None
            else np.where(np.isnan(epochs), NULL_EPOCH, np.nan_to_num(epochs)).astype(
                np.int64
            ),
            np.full(count, math.nan) if times is None else times,
        ),
    )


def _parse_logs(raw: object) -> list[tuple[int, str, float | None, str]]:
    if not isinstance(raw, list):
        raise IngestError("logs must be a list", "logs")
    if len(raw) > settings.AIMSITE_MAX_LOG_LINES_PER_BATCH:
        raise IngestError(
            f"logs has {len(raw)} lines, at most "
            f"{settings.AIMSITE_MAX_LOG_LINES_PER_BATCH} per batch",
            "logs",
            status=413,
        )
    lines = []
    for position, item in enumerate(raw):
        where = f"logs[{position}]"
        if not isinstance(item, dict) or set(item) - _LOG_FIELDS:
            raise IngestError(
                f"{where} must be an object with line, text, time (and level)", where
            )
        line, text, time = (
            json_int(item.get("line")),
            item.get("text"),
            item.get("time"),
        )
        if line is None or not 0 <= line <= INT64_MAX:
            raise IngestError(f"{where}.line must be a non-negative integer", where)
        if not isinstance(text, str):
            raise IngestError(f"{where}.text must be a string", where)
        if len(text) > MAX_LOG_LINE_LENGTH:
            text = text[:MAX_LOG_LINE_LENGTH]
        if time is not None and not is_finite_number(time):
            raise IngestError(f"{where}.time must be a finite number", where)
        level = item.get("level")
        if level is None:
            level = ""
        if not isinstance(level, str) or (level and level not in _LOG_LEVELS):
            raise IngestError(
                f"{where}.level must be one of {', '.join(sorted(_LOG_LEVELS))}", where
            )
        lines.append((line, text.replace("\x00", ""), time, level))
    return lines


def _parse_unset(raw: object) -> list[list[str]]:
    """Param paths to remove (`del run["hparams", "lr"]`): lists of keys."""
    if not isinstance(raw, list) or len(raw) > MAX_UNSET_PATHS:
        raise IngestError(
            f"unset must be a list of at most {MAX_UNSET_PATHS} paths "
            '(each a list of keys, such as ["hparams", "lr"])',
            "unset",
        )
    for position, path in enumerate(raw):
        where = f"unset[{position}]"
        if (
            not isinstance(path, list)
            or not 1 <= len(path) <= MAX_PARAMS_DEPTH
            or not all(isinstance(key, str) for key in path)
        ):
            raise IngestError(
                f"{where} must be a list of 1 to {MAX_PARAMS_DEPTH} string keys", where
            )
        for key in path:
            _check_text(key, f"{where} key {key!r:.40}")
    return raw


def _parse_expect_next_in(raw: object) -> float:
    if not is_finite_number(raw) or not 0 <= raw <= MAX_EXPECT_NEXT_IN:
        raise IngestError(
            f"expect_next_in must be a number of seconds from 0 to {MAX_EXPECT_NEXT_IN}",
            "expect_next_in",
        )
    return float(raw)


def parse_tag_names(raw: object, where: str) -> list[str]:
    if not isinstance(raw, list) or len(raw) > MAX_TAGS_PER_BATCH:
        raise IngestError(
            f"{where} must be a list of at most {MAX_TAGS_PER_BATCH} tag names", where
        )
    for name in raw:
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise IngestError(
                f"{where} holds {name!r:.60}: tag names are 1 to 50 characters", where
            )
        _check_text(name, f"{where} name {name!r:.60}")
    return [name.strip() for name in raw]


def _parse_tags(raw: object) -> tuple[list[str], list[str]]:
    if not isinstance(raw, dict) or set(raw) - {"attach", "detach"}:
        raise IngestError('tags must be {"attach": [names], "detach": [names]}', "tags")
    return (
        parse_tag_names(raw.get("attach", []), "tags.attach"),
        parse_tag_names(raw.get("detach", []), "tags.detach"),
    )


def parse_batch(raw: object) -> Batch:
    """Validate a decoded `track` body and return it typed, or raise IngestError."""
    if not isinstance(raw, dict):
        raise IngestError("the batch must be a JSON object")
    unknown = set(raw) - _BATCH_FIELDS
    if unknown:
        raise IngestError(f"unknown fields: {', '.join(sorted(unknown))}", "batch")
    seq = raw.get("seq")
    # Required: a batch without one could never be told from its own replay, so a
    # client's retry would apply it twice.
    if seq is None:
        raise IngestError(SEQ_REQUIRED, "seq")
    seq = json_int(seq)
    if seq is None or not 0 <= seq <= INT64_MAX:
        raise IngestError("seq must be a non-negative integer", "seq")
    batch = Batch(seq)
    if raw.get("params") is not None:
        batch.params = validate_params(raw["params"])
    if raw.get("unset") is not None:
        batch.unset = _parse_unset(raw["unset"])
    if raw.get("expect_next_in") is not None:
        batch.expect_next_in = _parse_expect_next_in(raw["expect_next_in"])
    if raw.get("meta") is not None:
        batch.meta = validate_params(raw["meta"], "meta")
    metrics = raw.get("metrics")
    if metrics is None:
        metrics = []
    elif not isinstance(metrics, list):
        raise IngestError("metrics must be a list", "metrics")
    batch.series = [
        _parse_series(item, f"metrics[{i}]") for i, item in enumerate(metrics)
    ]
    total = sum(len(series.points) for series in batch.series)
    if total > settings.AIMSITE_MAX_POINTS_PER_BATCH:
        raise IngestError(
            f"the batch has {total} points, at most "
            f"{settings.AIMSITE_MAX_POINTS_PER_BATCH} per batch",
            "metrics",
            status=413,
        )
    if raw.get("logs") is not None:
        batch.logs = _parse_logs(raw["logs"])
    status = raw.get("status")
    if status is not None and status not in (
        Run.Status.FINISHED,
        Run.Status.FAILED,
        Run.Status.ACTIVE,
    ):
        raise IngestError('status must be "active", "finished" or "failed"', "status")
    batch.status = status
    if raw.get("tags") is not None:
        batch.attach_tags, batch.detach_tags = _parse_tags(raw["tags"])
    return batch


# -- writes ---------------------------------------------------------------------


def remove_params(params: dict, paths: list[list[str]]) -> bool:
    """Remove each key path from `params` (a missing one is no error, as a
    replayed removal must not be); returns whether anything was removed."""
    removed = False
    for path in paths:
        node = params
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            del node[path[-1]]
            removed = True
    return removed


def deep_merge(target: dict, patch: dict) -> dict:
    """Merge `patch` into `target` recursively (dicts merge, everything else replaces)."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = value
    return target


@dataclass
class Lookups:
    """Experiments and tags found earlier in the same transaction (bulk creation of
    runs): each is read once per request instead of once per run. Clear it when an
    item rolls back, since what that item created is gone."""

    experiments: dict[str, Experiment] = field(default_factory=dict)
    tags: dict[str, object] = field(default_factory=dict)
    # Hashes read in one query up front and found absent: no per-run SELECT.
    absent_hashes: set[str] = field(default_factory=set)

    def clear(self) -> None:
        self.experiments.clear()
        self.tags.clear()
        self.absent_hashes.clear()


def _check_new_run(run_hash: object, experiment_name: str | None, params) -> str:
    """What a run's creation is refused for without the database; the experiment
    name to use."""
    if not isinstance(run_hash, str) or not HASH_RE.match(run_hash):
        raise IngestError("hash must be 24 lowercase hex characters", "hash")
    experiment_name = (experiment_name or DEFAULT_EXPERIMENT_NAME).strip()
    if not experiment_name or len(experiment_name) > 200:
        raise IngestError("experiment must be 1 to 200 characters", "experiment")
    if params is not None:
        validate_params(params)
    return experiment_name


def _new_run_row(
    run_hash: str,
    user,
    experiment: Experiment,
    name: str,
    description: str,
    params: dict | None,
    created_at: datetime,
) -> Run:
    return Run(
        hash=run_hash,
        name=name[:200],
        description=description,
        experiment=experiment,
        owner=user,
        params=params or {},
        created_at=created_at,
        updated_at=created_at,
        last_heartbeat=created_at,
    )


def get_or_create_run(
    *,
    run_hash: str,
    user,
    experiment_name: str | None = None,
    name: str = "",
    description: str = "",
    params: dict | None = None,
    tags: list[str] | None = None,
    lookups: Lookups | None = None,
    created_at: datetime | None = None,
    savepoint: bool = True,
    prepare: Callable[[Run], None] | None = None,
) -> tuple[Run, bool]:
    """Create a run by its client-made hash; an existing run of this user is returned.

    Raises IngestError (403) when the hash belongs to someone else's run.
    `savepoint=False`: the caller's transaction catches IntegrityError (a racing
    request created the same hash) and retries, which saves two round trips.
    `prepare(run)` runs on a new run just before its INSERT (create_run sets the
    first batch's run fields there, so the run is not updated right after).
    """
    lookups = lookups or Lookups()
    # Checked whether or not the run exists: the same request is refused alike.
    experiment_name = _check_new_run(run_hash, experiment_name, params)
    if run_hash in lookups.absent_hashes:
        lookups.absent_hashes.discard(run_hash)  # a second item may name it again
        existing = None
    else:
        existing = next(
            iter(Run.objects.filter(hash=run_hash).select_related("experiment")[:1]),
            None,
        )
    if existing is not None:
        if not existing.can_edit(user):
            raise IngestError("this run belongs to another user", "hash", status=403)
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic(savepoint=savepoint):
            experiment = lookups.experiments.get(experiment_name)
            if experiment is None:
                experiment, _ = Experiment.objects.get_or_create(
                    name=experiment_name, defaults={"owner": user}
                )
                lookups.experiments[experiment_name] = experiment
            run = _new_run_row(
                run_hash, user, experiment, name, description, params, created_at or now
            )
            if prepare is not None:
                prepare(run)
            run.save(force_insert=True)
            live.mark_new(run)
            if tags:
                apply_tag_names(run, tags, [], new_run=True, lookups=lookups)
    except IntegrityError:
        if not savepoint:
            raise  # the caller rolls back and retries
        # Two requests with the same new hash raced; the loser returns the winner's.
        # What this attempt created (and cached) was rolled back with it.
        lookups.clear()
        return get_or_create_run(run_hash=run_hash, user=user)
    live.run_created(run)
    return run, True


@dataclass
class NewRun:
    """A run as a client asks to create it (shape already checked), with its
    optional first batch, so a short run costs one request to open and close."""

    hash: str
    experiment: str | None = None
    name: str = ""
    description: str = ""
    params: dict | None = None
    tags: list[str] | None = None
    batch: Batch | None = None
    created_at: datetime | None = None  # importers: the source's; otherwise now


@dataclass
class CreatedRun:
    run: Run  # as its first batch left it, when one was applied
    is_new: bool  # False: the caller's run with this hash existed already
    batch: BatchResult | None = None


def create_run(
    user, new: NewRun, *, lookups: Lookups | None = None, retried: bool = False
) -> CreatedRun:
    """Create (or find) one run by its client-made hash and apply its first batch.

    The one ingest entry point for creating runs (API, demo command, tests): all
    of it happens in one transaction, and a refused run raises IngestError with
    nothing written.
    """
    try:
        with transaction.atomic():
            prepared: list[tuple[list[str], bool]] = []
            run, is_new = get_or_create_run(
                run_hash=new.hash,
                user=user,
                experiment_name=new.experiment,
                name=new.name,
                description=new.description,
                params=new.params,
                tags=new.tags,
                lookups=lookups,
                created_at=new.created_at,
                savepoint=False,  # this transaction is the savepoint
                prepare=(
                    (lambda run: prepared.append(_apply_run_fields(run, new.batch)))
                    if new.batch is not None
                    else None
                ),
            )
            result = (
                apply_batch(
                    run,
                    new.batch,
                    new_run=is_new,
                    run_fields=prepared[0] if prepared else None,
                )
                if new.batch is not None
                else None
            )
    except IntegrityError:
        if retried:
            raise
        # A racing request created the same hash first: everything this attempt
        # wrote (and cached) is rolled back; the retry finds the winner's run.
        if lookups is not None:
            lookups.clear()
        return create_run(user, new, retried=True)
    except DataError as error:
        # Input the validators let through but the database refuses (a number
        # out of its range): the client's to fix.
        raise IngestError(data_error_message(error)) from error
    if result is not None and result.run is not None:
        run = result.run
    return CreatedRun(run, is_new, result)


def create_runs(user, items: list[NewRun]) -> list[CreatedRun | IngestError]:
    """Create many runs, answering one outcome per item, in order; a refused item
    writes nothing and the others still apply. One transaction for all.

    New runs (a hash absent from the database, first in the list) are written
    together (`_create_together`): every item is checked before anything is
    written, then one multi-row INSERT per table serves them all. The rest (an
    existing run, a hash named twice, a first batch that changes tags) goes one
    item at a time, a savepoint each. A database error in the shared INSERTs (a
    hash created meanwhile by a racing request, a value the database refuses)
    rolls them back, and every item goes one at a time, which tells them apart.
    """
    hashes = {item.hash for item in items if isinstance(item.hash, str)}
    outcomes: dict[int, CreatedRun | IngestError] = {}
    with transaction.atomic():
        # One query tells which hashes are new, instead of one SELECT per run.
        absent = hashes - set(
            Run.objects.filter(hash__in=hashes).values_list("hash", flat=True)
        )
        together: dict[int, NewRun] = {}
        first_seen: set[str] = set()
        for index, item in enumerate(items):
            if (
                item.hash in absent
                and item.hash not in first_seen
                and HASH_RE.match(item.hash)
                and not (
                    item.batch and (item.batch.attach_tags or item.batch.detach_tags)
                )
            ):
                together[index] = item
            if isinstance(item.hash, str):
                first_seen.add(item.hash)
        if together:
            try:
                with transaction.atomic():
                    outcomes = _create_together(user, together)
            except (IntegrityError, DataError):
                outcomes = {}  # rolled back: each item goes alone below
        created = {o.run.hash for o in outcomes.values() if isinstance(o, CreatedRun)}
        lookups = Lookups(absent_hashes=absent - created)
        for index, item in enumerate(items):
            if index in outcomes:
                continue
            try:
                outcomes[index] = create_run(user, item, lookups=lookups)
            except IngestError as error:
                # What the refused item created (and cached) was rolled back.
                lookups.clear()
                outcomes[index] = error
    return [outcomes[index] for index in range(len(items))]


def _create_together(
    user, items: dict[int, NewRun]
) -> dict[int, CreatedRun | IngestError]:
    """Create runs whose hashes are new, with their first batches (no tag changes
    in them), in one multi-row INSERT per table; the outcome of each item by its
    index. A refused item is refused before anything of it is written (new tags
    it names are created in a savepoint of their own)."""
    from tags.models import Tag
    from tags.services import TagInvalid, create_tag_for_attach

    outcomes: dict[int, CreatedRun | IngestError] = {}
    checked: dict[int, tuple[NewRun, str]] = {}
    for index, new in items.items():
        try:
            checked[index] = (new, _check_new_run(new.hash, new.experiment, new.params))
        except IngestError as error:
            outcomes[index] = error
    names = {name for new, _ in checked.values() for name in new.tags or []}
    tags = (
        {tag.name: tag for tag in Tag.objects.filter(name__in=names)} if names else {}
    )
    experiments = {
        experiment.name: experiment
        for experiment in Experiment.objects.filter(
            name__in={name for _, name in checked.values()}
        )
    }
    rows: list[tuple[int, NewRun, Run, list, bool]] = []
    for index, (new, experiment_name) in checked.items():
        missing = [name for name in dict.fromkeys(new.tags or []) if name not in tags]
        if missing:
            try:
                with transaction.atomic():
                    made = {name: create_tag_for_attach(name, user) for name in missing}
            except TagInvalid as error:
                # Tags made before the refused name were rolled back: none is kept.
                outcomes[index] = IngestError(f"tags.attach: {error.message}", "tags")
                continue
            tags.update(made)
        experiment = experiments.get(experiment_name)
        if experiment is None:
            experiment, _ = Experiment.objects.get_or_create(
                name=experiment_name, defaults={"owner": user}
            )
            experiments[experiment_name] = experiment
        run = _new_run_row(
            new.hash,
            user,
            experiment,
            new.name,
            new.description,
            new.params,
            new.created_at or timezone.now(),  # each its own, as one by one
        )
        status_changed = (
            _apply_run_fields(run, new.batch)[1] if new.batch is not None else False
        )
        run_tags = sorted(
            {tags[name].pk: tags[name] for name in new.tags or []}.values(),
            key=lambda tag: tag.name,
        )
        rows.append((index, new, run, run_tags, status_changed))
    if not rows:
        return outcomes
    Run.objects.bulk_create([run for _, _, run, _, _ in rows])
    for _, _, run, _, _ in rows:
        if run.pk is None:  # a database that cannot return ids from bulk inserts
            run.pk = Run.objects.only("pk").get(hash=run.hash).pk
        live.mark_new(run)
    Run.tags.through.objects.bulk_create(
        [
            Run.tags.through(run=run, tag=tag)
            for _, _, run, run_tags, _ in rows
            for tag in run_tags
        ]
    )
    batches = [(run, new.batch) for _, new, run, _, _ in rows if new.batch is not None]
    AppliedBatch.objects.bulk_create(
        [AppliedBatch(run=run, seq=batch.seq) for run, batch in batches]
    )
    series = {
        run.pk: _new_series(run, _merge_series(batch.series).values())
        for run, batch in batches
    }
    MetricChunk.objects.bulk_create(
        _insert_series([pair for pairs in series.values() for pair in pairs]),
        batch_size=200,
    )
    LogLine.objects.bulk_create(
        [
            LogLine(run=run, line=line, text=text, time=time, level=level)
            for run, batch in batches
            for line, text, time, level in batch.logs
        ],
        batch_size=2000,
    )
    for index, new, run, run_tags, status_changed in rows:
        if run_tags:
            live.run_tags_changed(run, tags=run_tags)
        live.run_created(run)
        result = None
        if new.batch is not None:
            touched = [item for item, _ in series[run.pk]]
            live.run_tracked(
                run,
                touched,
                new.batch.logs,
                status_changed=status_changed,
                data_changed=bool(touched or new.batch.params or new.batch.meta),
            )
            result = BatchResult(new.batch.seq, True, run)
        outcomes[index] = CreatedRun(run, True, result)
    return outcomes


_SUMMARY_FIELDS = [
    "count",
    "first_step",
    "first",
    "last_step",
    "last",
    "min",
    "max",
    "last_time",
    "first_time",
    "chunk_count",
    "overview",
]


def _append_series(
    run: Run, batches: list[SeriesBatch], *, new_run: bool = False
) -> list[MetricSeries]:
    if not batches:
        return []
    merged = _merge_series(batches)
    existing = (
        {}
        if new_run
        else {
            (series.name, series.context_key): series
            for series in MetricSeries.objects.filter(
                run=run, name__in={name for name, _ in merged}
            )
        }
    )
    new_series = _new_series(
        run, [item for key, item in merged.items() if key not in existing]
    )
    chunks_to_create = _insert_series(new_series)
    open_chunks = (
        {
            chunk.series_id: chunk
            for chunk in MetricChunk.objects.filter(
                series__in=list(existing.values()), count__lt=CHUNK_SIZE
            ).order_by("series_id", "index")  # the dict keeps the highest index
        }
        if existing
        else {}
    )
    updated_chunks: list[MetricChunk] = []
    updated_series: list[MetricSeries] = []
    for key, series in existing.items():
        if key not in merged:
            continue
        points = merged[key].points
        chunk = open_chunks.get(series.id)
        if chunk is not None and chunk.index == series.chunk_count - 1:
            room = CHUNK_SIZE - chunk.count
            head, rest = points.slice(0, room), points.slice(room, len(points))
            combined = Points.concat([decode_chunk(chunk.data), head])
            chunk.data = encode_chunk(combined)
            chunk.count = len(combined)
            chunk.first_step = int(combined.steps.min())
            chunk.last_step = int(combined.steps.max())
            updated_chunks.append(chunk)
        else:
            rest = points
        new_chunks = _new_chunks(series, rest, first_index=series.chunk_count)
        chunks_to_create += new_chunks
        series.chunk_count += len(new_chunks)
        _merge_summary(series, summarize(points))
        series.overview = overviews.encode(
            overviews.append(overviews.decode(series.overview), points)
        )
        updated_series.append(series)
    _update_rows(updated_chunks, ["data", "count", "first_step", "last_step"])
    _update_rows(updated_series, _SUMMARY_FIELDS)
    MetricChunk.objects.bulk_create(chunks_to_create, batch_size=200)
    return [
        *(series for series, _ in new_series),
        *(existing[key] for key in merged if key in existing),
    ]


def _merge_series(batches: list[SeriesBatch]) -> dict[tuple[str, str], SeriesBatch]:
    """One batch may name a series twice: merge them so each series is written once."""
    merged: dict[tuple[str, str], SeriesBatch] = {}
    for item in batches:
        key = (item.name, item.context_key)
        if key in merged:
            merged[key].points = Points.concat([merged[key].points, item.points])
        else:
            merged[key] = item
    return merged


def _new_series(run: Run, items) -> list[tuple[MetricSeries, Points]]:
    """Series not stored yet, with their summaries and chunk count already set
    (unsaved): only series that existed before need an UPDATE after a batch."""
    new_series = []
    for item in items:
        series = MetricSeries(
            run=run, name=item.name, context=item.context, context_key=item.context_key
        )
        series.chunk_count = -(-len(item.points) // CHUNK_SIZE)
        _merge_summary(series, summarize(item.points))
        series.overview = overviews.encode(
            overviews.append(overviews.Overview.empty(), item.points)
        )
        new_series.append((series, item.points))
    return new_series


def _insert_series(new_series: list[tuple[MetricSeries, Points]]) -> list[MetricChunk]:
    """One INSERT for the series (of any runs); their chunks, to be inserted."""
    if not new_series:
        return []
    MetricSeries.objects.bulk_create([series for series, _ in new_series])
    chunks: list[MetricChunk] = []
    for series, points in new_series:
        if series.pk is None:  # a database that cannot return ids from bulk inserts
            series.pk = MetricSeries.objects.get(
                run=series.run, name=series.name, context_key=series.context_key
            ).pk
        chunks += _new_chunks(series, points, first_index=0)
    return chunks


def _new_chunks(
    series: MetricSeries, points: Points, first_index: int
) -> list[MetricChunk]:
    chunks = []
    for position, start in enumerate(range(0, len(points), CHUNK_SIZE)):
        part = points.slice(start, start + CHUNK_SIZE)
        chunks.append(
            MetricChunk(
                series=series,
                index=first_index + position,
                count=len(part),
                first_step=int(part.steps.min()),
                last_step=int(part.steps.max()),
                data=encode_chunk(part),
            )
        )
    return chunks


def _update_rows(instances: list, fields: list[str]) -> None:
    """One UPDATE for many rows of one model, each to its own values:
    `WITH v(pk, f…) AS (VALUES (…), (…)) UPDATE t SET f = v.f … FROM v WHERE
    t.pk = v.pk`. (bulk_update's CASE expressions cost ~8 ms to build for a
    handful of rows, more than the statements themselves; one plain UPDATE per
    row was a round trip each.)"""
    if not instances:
        return
    meta = type(instances[0])._meta
    columns = [meta.pk, *(meta.get_field(name) for name in fields)]
    size = max(1, connection.ops.bulk_batch_size(columns, instances))
    if len(instances) > size:  # the database's limit of parameters per statement
        for start in range(0, len(instances), size):
            _update_rows(instances[start : start + size], fields)
        return
    quote = connection.ops.quote_name
    # PostgreSQL types a VALUES list from its first row; its parameters say nothing.
    cast = connection.vendor == "postgresql"
    placeholder = ", ".join(
        f"CAST(%s AS {column.db_type(connection)})" if cast else "%s"
        for column in columns
    )
    params = []
    for instance in instances:
        params += [
            column.get_db_prep_save(getattr(instance, column.attname), connection)
            for column in columns
        ]
    names = ", ".join(quote(f"v_{column.column}") for column in columns)
    table = quote(meta.db_table)
    assignments = ", ".join(
        f"{quote(column.column)} = v.{quote('v_' + column.column)}"
        for column in columns[1:]
    )
    rows = ", ".join(f"({placeholder})" for _ in instances)
    sql = (
        f"WITH v ({names}) AS (VALUES {rows}) "
        f"UPDATE {table} SET {assignments} FROM v "
        f"WHERE {table}.{quote(meta.pk.column)} = v.{quote('v_' + meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _merge_summary(series: MetricSeries, batch: dict) -> None:
    def pick(current, new, choose):
        if current is None or (isinstance(current, float) and math.isnan(current)):
            return new
        return current if new is None else choose(current, new)

    # "first" is the value at the lowest step seen so far.
    if series.first_step is None or batch["first_step"] < series.first_step:
        series.first = batch["first"]
    series.first_step = pick(series.first_step, batch["first_step"], min)
    # "last" is the value at the highest step seen so far, as Aim reports it.
    if series.last_step is None or batch["last_step"] >= series.last_step:
        series.last = batch["last"]
        series.last_time = batch["last_time"]
    series.last_step = pick(series.last_step, batch["last_step"], max)
    series.min = pick(series.min, batch["min"], min)
    series.max = pick(series.max, batch["max"], max)
    series.first_time = pick(series.first_time, batch["first_time"], min)
    series.count += batch["count"]


def _apply_run_fields(run: Run, batch: Batch) -> tuple[list[str], bool]:
    """Set the batch's run-level fields on `run` (not saved): the changed field
    names, and whether the status changed."""
    fields = ["last_heartbeat", "updated_at"]
    # Removals first: the SDK sends a key set after its removal in `params`.
    if batch.unset and remove_params(run.params or {}, batch.unset):
        fields.append("params")
    if batch.params:
        run.params = deep_merge(run.params or {}, batch.params)
        fields.append("params")
    if batch.meta:
        run.meta = deep_merge(run.meta or {}, batch.meta)
        fields.append("meta")
    now = batch.at or timezone.now()
    status_changed = _apply_status(run, batch, fields, now)
    run.last_heartbeat = now
    run.updated_at = now
    return fields, status_changed


def apply_batch(
    run: Run,
    batch: Batch,
    *,
    new_run: bool = False,
    run_fields: tuple[list[str], bool] | None = None,
) -> BatchResult:
    """Apply one validated batch atomically; a seq seen before changes nothing.

    `new_run`: the run was created in the current transaction, so it has no
    applied batches or series yet and its row is already ours, as given (and no
    savepoint is needed: the caller's transaction holds the whole creation).
    `run_fields`: what `_apply_run_fields` answered when the run's fields were
    set before its INSERT (a new run), so no UPDATE follows.
    """
    try:
        with transaction.atomic(savepoint=not new_run):
            if (
                not new_run
                and AppliedBatch.objects.filter(run=run, seq=batch.seq).exists()
            ):
                return BatchResult(batch.seq, False)
            AppliedBatch.objects.create(run=run, seq=batch.seq)
            if not new_run:
                run = (
                    Run.objects.select_for_update(of=("self",))
                    .select_related("experiment")
                    .get(pk=run.pk)
                )
            if run_fields is None:
                fields, status_changed = _apply_run_fields(run, batch)
            else:
                fields, status_changed = [], run_fields[1]  # set before the INSERT
            touched = _append_series(run, batch.series, new_run=new_run)
            if batch.logs:
                LogLine.objects.bulk_create(
                    [
                        LogLine(run=run, line=line, text=text, time=time, level=level)
                        for line, text, time, level in batch.logs
                    ],
                    batch_size=2000,
                )
            if batch.attach_tags or batch.detach_tags:
                apply_tag_names(run, batch.attach_tags, batch.detach_tags)
            if fields:
                run.save(update_fields=fields)
            live.run_tracked(
                run,
                touched,
                batch.logs,
                status_changed=status_changed,
                data_changed=bool(touched or batch.params or batch.meta),
            )
    except IntegrityError:
        # The same seq committed concurrently by a retry that overtook this one.
        if AppliedBatch.objects.filter(run=run, seq=batch.seq).exists():
            return BatchResult(batch.seq, False)
        raise
    return BatchResult(batch.seq, True, run)


def apply_tag_names(
    run: Run,
    attach: list[str],
    detach: list[str],
    *,
    new_run: bool = False,
    lookups: Lookups | None = None,
) -> None:
    """Attach tags by name (creating missing ones, as Aim's run.add_tag does) and
    detach others; a name the tags page would refuse raises IngestError.

    `new_run`: the run was just created and has no tags yet.
    """
    from tags.models import Tag
    from tags.services import TagInvalid, create_tag_for_attach

    # Names that exist exactly are found in one query; the rest go through the
    # case-insensitive lookup or are created, as on the tags page.
    known = lookups.tags if lookups is not None else {}
    missing = [name for name in attach if name not in known]
    exact = {name: known[name] for name in attach if name in known}
    if missing:
        exact.update({tag.name: tag for tag in Tag.objects.filter(name__in=missing)})
    try:
        tags = [
            exact.get(name) or create_tag_for_attach(name, run.owner) for name in attach
        ]
    except TagInvalid as error:
        raise IngestError(f"tags.attach: {error.message}", "tags") from error
    known.update(zip(attach, tags, strict=True))
    if new_run:
        unique = sorted({tag.pk: tag for tag in tags}.values(), key=lambda t: t.name)
        Run.tags.through.objects.bulk_create(
            [Run.tags.through(run=run, tag=tag) for tag in unique]
        )
        live.run_tags_changed(run, tags=unique)
        return
    if tags:
        run.tags.add(*tags)
    if detach:
        run.tags.remove(*Tag.objects.filter(name__in=detach))
    live.run_tags_changed(run)


def _apply_status(run: Run, batch: Batch, fields: list[str], now) -> bool:
    status = batch.status
    if batch.expect_next_in is not None:
        # A progress report (run.report_progress) sets when the next one is due.
        run.progress_deadline = now + timedelta(seconds=batch.expect_next_in)
        fields.append("progress_deadline")
    if status is None:
        # Any request is a heartbeat; a run that was marked failed for silence
        # revives. One failed for a missed progress report revives only with its
        # next report: the SDK's heartbeats go on while a training loop hangs.
        revives = batch.expect_next_in is not None or run.progress_deadline is None
        if run.status == Run.Status.FAILED and run.finished_at is None and revives:
            run.status = Run.Status.ACTIVE
            fields.append("status")
            return True
        return False
    if run.progress_deadline is not None and status != Run.Status.ACTIVE:
        run.progress_deadline = None  # finished or failed: no report is due
        fields.append("progress_deadline")
    if status == Run.Status.ACTIVE:
        changed = run.status != status
        run.status, run.finished_at = status, None
    else:
        changed = run.status != status
        run.status = status
        run.finished_at = run.finished_at or now
    fields.extend(["status", "finished_at"])
    return changed
