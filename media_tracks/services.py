"""Store tracked objects (images, audio, texts, figures, distributions), and
read them back for the media explorers.

An upload is one multipart request: a `batch` JSON field listing the records and,
for images and audio, one file part per record named by the record's `file` key.
Everything is validated before anything is written; records are idempotent by
(sequence, step, index), so a resent upload changes nothing.

The explorers' read (`search_objects`) selects sequences with an AimQL query
(media_tracks.query) and samples their records as Aim does: at most `density`
steps evenly spaced over each sequence's tracked steps, and at most
`index_density` indices per step, in a fixed number of queries.
"""

import io
import wave
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Prefetch, Q

from aimsite.errors import IngestError
from aimsite.numbers import is_finite_number, is_storable_number, json_int
from aimsite.text import text_problem
from experiments.markdown import MarkdownRefused, RendererBusy, render_markdown
from experiments.markdown.html import sanitise
from media_tracks.models import (
    RECORD_COLUMNS,
    RECORD_FIELDS,
    ObjectRecord,
    ObjectSequence,
    RecordSummary,
    record_summary,
)
from media_tracks.query import filter_sequences
from runs import live
from runs.contexts import ContextError, context_key, validate_context, validate_name
from runs.explorers.metrics import name_context_pairs
from runs.ingest import validate_params
from runs.models import Run
from tags.models import Tag

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT_LENGTH = 1_000_000
MAX_CAPTION_LENGTH = 1000
MAX_BINS = 10_000
MAX_STEP = 2**62  # as the query parameters that select steps
MAX_INDEX = 2**31 - 1  # ObjectRecord.index is a 32-bit column on PostgreSQL
# Pixels an uploaded image may declare (about 8192 x 8192). Set here rather than
# left to Pillow's default, which only warns below twice its own limit: a small
# compressed file can declare billions of pixels (a decompression bomb), and the
# pages decode these images in the browser.
MAX_IMAGE_PIXELS = 64 * 1024 * 1024
IMAGE_FORMATS = {"png", "jpeg", "jpg", "gif", "webp", "bmp"}
AUDIO_FORMATS = {"wav", "mp3", "ogg", "flac"}
_UPLOAD_FIELDS = {"kind", "name", "context", "file", *RECORD_FIELDS}


@dataclass
class ParsedObject:
    kind: str
    name: str
    context: dict
    step: int
    index: int
    epoch: int | None
    time: float | None
    caption: str
    format: str = ""
    upload: UploadedFile | None = None
    text: str = ""
    data: dict | None = None
    width: int | None = None
    height: int | None = None


def _nonnegative_int(
    value, where: str, nullable: bool = False, high: int = MAX_STEP
) -> int | None:
    if value is None and nullable:
        return None
    number = json_int(value)
    if number is None or not 0 <= number <= high:
        raise IngestError(f"{where} must be an integer from 0 to {high}", where)
    return number


def _check_image(upload: UploadedFile, where: str) -> tuple[str, int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        # Image.open reads only the header, so the size is known before any pixel
        # is decoded; verify() checks the chunks without decoding them either.
        with Image.open(upload) as image:
            fmt = (image.format or "").lower()
            width, height = image.size
            if width * height <= MAX_IMAGE_PIXELS:
                image.verify()
    except Image.DecompressionBombError as error:
        # Pillow itself refuses sizes past twice its own limit, in Image.open.
        raise IngestError(
            f"{where}: the image declares more than {MAX_IMAGE_PIXELS} pixels "
            "(a decompression bomb?)",
            where,
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise IngestError(f"{where} is not a readable image", where) from error
    finally:
        upload.seek(0)
    if width * height > MAX_IMAGE_PIXELS:
        raise IngestError(
            f"{where}: the image is {width}x{height} pixels, more than the "
            f"{MAX_IMAGE_PIXELS} allowed",
            where,
        )
    fmt = "jpeg" if fmt == "jpg" else fmt
    if fmt not in IMAGE_FORMATS:
        raise IngestError(f"{where}: image format {fmt!r} is not supported", where)
    return fmt, width, height


def _check_audio(upload: UploadedFile, fmt: str, where: str) -> str:
    fmt = (fmt or upload.name.rsplit(".", 1)[-1]).lower()
    if fmt not in AUDIO_FORMATS:
        raise IngestError(
            f"{where}: audio format must be one of {sorted(AUDIO_FORMATS)}", where
        )
    if fmt == "wav":
        try:
            with wave.open(io.BytesIO(upload.read())) as clip:
                clip.getnframes()
        except (wave.Error, EOFError) as error:
            raise IngestError(f"{where} is not a valid WAV file", where) from error
        finally:
            upload.seek(0)
    return fmt


def _check_distribution(data: object, where: str) -> dict:
    if not isinstance(data, dict):
        raise IngestError(f"{where}.data must be an object with bins and range", where)
    bins, bin_range = data.get("bins"), data.get("range")
    if not isinstance(bins, list) or not 0 < len(bins) <= MAX_BINS:
        raise IngestError(
            f"{where}.data.bins must be a list of 1 to {MAX_BINS} counts", where
        )
    if not all(is_storable_number(b) and b >= 0 for b in bins):
        raise IngestError(
            f"{where}.data.bins must hold non-negative finite numbers", where
        )
    if (
        not isinstance(bin_range, list)
        or len(bin_range) != 2
        or not all(is_storable_number(x) for x in bin_range)
        or bin_range[0] > bin_range[1]
    ):
        raise IngestError(
            f"{where}.data.range must be [low, high] with low <= high", where
        )
    return {"bins": bins, "range": bin_range}


def _parse_object(raw: object, position: int, files) -> ParsedObject:
    where = f"objects[{position}]"
    if not isinstance(raw, dict):
        raise IngestError(f"{where} must be an object", where)
    unknown = set(raw) - _UPLOAD_FIELDS
    if unknown:
        raise IngestError(
            f"{where} has unknown fields: {', '.join(sorted(unknown))}", where
        )
    kind = raw.get("kind")
    if kind not in ObjectSequence.Kind.values:
        raise IngestError(
            f"{where}.kind must be one of {', '.join(ObjectSequence.Kind.values)}",
            where,
        )
    try:
        name = validate_name(raw.get("name"), f"{where}.name")
        context = validate_context(raw.get("context"))
    except ContextError as error:
        raise IngestError(str(error), where) from error
    time = raw.get("time")
    if time is not None and not is_finite_number(time):
        raise IngestError(f"{where}.time must be a finite number", where)
    caption = raw.get("caption")
    caption = "" if caption is None else caption
    if not isinstance(caption, str) or len(caption) > MAX_CAPTION_LENGTH:
        raise IngestError(
            f"{where}.caption must be a string of at most {MAX_CAPTION_LENGTH} "
            "characters",
            where,
        )
    problem = text_problem(caption)
    if problem:
        raise IngestError(f"{where}.caption {problem}", where)
    fmt = raw.get("format")
    if fmt is not None and not isinstance(fmt, str):
        raise IngestError(f"{where}.format must be a string", where)
    parsed = ParsedObject(
        kind=kind,
        name=name,
        context=context,
        step=_nonnegative_int(raw.get("step", 0), f"{where}.step"),
        index=_nonnegative_int(raw.get("index", 0), f"{where}.index", high=MAX_INDEX),
        epoch=_nonnegative_int(raw.get("epoch"), f"{where}.epoch", nullable=True),
        time=time,
        caption=caption,
    )
    if kind in (ObjectSequence.Kind.IMAGE, ObjectSequence.Kind.AUDIO):
        upload = files.get(raw.get("file") or "")
        if upload is None:
            raise IngestError(
                f"{where}.file must name a file part of this upload", where
            )
        if upload.size > MAX_FILE_BYTES:
            raise IngestError(
                f"{where}: file is larger than {MAX_FILE_BYTES} bytes", where, 413
            )
        parsed.upload = upload
        if kind == ObjectSequence.Kind.IMAGE:
            parsed.format, parsed.width, parsed.height = _check_image(upload, where)
        else:
            parsed.format = _check_audio(upload, fmt or "", where)
    elif kind == ObjectSequence.Kind.TEXT:
        text = raw.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT_LENGTH:
            raise IngestError(
                f"{where}.text must be a string of at most {MAX_TEXT_LENGTH} characters",
                where,
            )
        parsed.text = text.replace("\x00", "")
    elif kind == ObjectSequence.Kind.FIGURE:
        data = raw.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            raise IngestError(
                f"{where}.data must be a Plotly figure object ({{data, layout}})", where
            )
        # JSON as params are (text a database stores, finite numbers, bounded depth).
        parsed.data = validate_params(data, f"{where}.data")
    else:
        parsed.data = _check_distribution(raw.get("data"), where)
    return parsed


def parse_objects(batch: object, files) -> list[ParsedObject]:
    if not isinstance(batch, dict) or not isinstance(batch.get("objects"), list):
        raise IngestError('the batch must be {"objects": [...]}', "batch")
    if set(batch) - {"objects", "seq"}:
        raise IngestError("the batch may only hold objects and seq", "batch")
    _nonnegative_int(batch.get("seq"), "seq", nullable=True)
    objects = batch["objects"]
    if not objects:
        raise IngestError("objects is empty", "objects")
    limit = settings.AIMSITE_MAX_UPLOAD_OBJECTS
    if len(objects) > limit:
        raise IngestError(f"at most {limit} objects per upload", "objects", 413)
    return [_parse_object(raw, i, files) for i, raw in enumerate(objects)]


def store_objects(run: Run, objects: list[ParsedObject]) -> int:
    """Write validated objects; returns how many were new. New objects tell the
    open pages (a media explorer with Live Update) that the run changed."""
    created = 0
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            sequences: dict[tuple, ObjectSequence] = {}
            for item in objects:
                key = (item.kind, item.name, context_key(item.context))
                sequence = sequences.get(key)
                if sequence is None:
                    sequence, _ = ObjectSequence.objects.get_or_create(
                        run=run,
                        kind=item.kind,
                        name=item.name,
                        context_key=key[2],
                        defaults={"context": item.context},
                    )
                    sequences[key] = sequence
                if ObjectRecord.objects.filter(
                    sequence=sequence, step=item.step, index=item.index
                ).exists():
                    continue
                record = ObjectRecord(
                    sequence=sequence,
                    step=item.step,
                    index=item.index,
                    epoch=item.epoch,
                    time=item.time,
                    caption=item.caption,
                    format=item.format,
                    text=item.text,
                    data=item.data,
                    width=item.width,
                    height=item.height,
                )
                if item.upload is not None:
                    extension = item.format or "bin"
                    record.size = item.upload.size
                    record.file.save(
                        f"{sequence.id}_{item.step}_{item.index}.{extension}",
                        item.upload,
                        save=False,
                    )
                    stored_files.append(record.file.name)
                record.save()
                created += 1
                sequence.count += 1
                sequence.first_step = (
                    item.step
                    if sequence.first_step is None
                    else min(sequence.first_step, item.step)
                )
                sequence.last_step = (
                    item.step
                    if sequence.last_step is None
                    else max(sequence.last_step, item.step)
                )
                sequence.max_index = max(sequence.max_index, item.index)
            for sequence in sequences.values():
                sequence.save(
                    update_fields=["count", "first_step", "last_step", "max_index"]
                )
    except Exception:
        # The rows rolled back: files written for them must not stay behind.
        from django.core.files.storage import default_storage

        for name in stored_files:
            default_storage.delete(name)
        raise
    if created:
        live.run_changed(run)
    return created


# -- reading for the explorers ---------------------------------------------------

MAX_SEQUENCES = 200
DEFAULT_DENSITY = 50
DEFAULT_INDEX_DENSITY = 5
# Bound on the parameters of one records query (both databases cap them); the
# usual case, sequences tracked at the same steps, needs a few dozen.
_PARAMS_PER_QUERY = 2000


@dataclass(frozen=True)
class RecordWindow:
    """Which records of each sequence to read: the step and index ranges (None:
    unbounded) and how many steps and indices to sample within them."""

    step_min: int | None = None
    step_max: int | None = None
    index_min: int | None = None
    index_max: int | None = None
    density: int = DEFAULT_DENSITY
    index_density: int = DEFAULT_INDEX_DENSITY


@dataclass
class SampledSequence:
    sequence: ObjectSequence  # with its run, the run's experiment and tags
    steps: list[int]  # the sampled steps, ascending
    records: list[RecordSummary]  # ordered by step, then index


@dataclass
class ObjectSearch:
    sequences: list[SampledSequence]
    truncated: bool


def evenly_spaced(values: Sequence[int], count: int) -> list[int]:
    """At most `count` of the sorted `values`, evenly spaced over them, the first
    and the last always kept (one: the last, the newest step)."""
    total = len(values)
    if total <= count:
        return list(values)
    if count == 1:
        return [values[-1]]
    span = count - 1
    # Rounded i * (total - 1) / span in integers: distinct, since total > count.
    return [values[(2 * i * (total - 1) + span) // (2 * span)] for i in range(count)]


def select_sequences(
    text: str, kind: str, limit: int = MAX_SEQUENCES
) -> tuple[list[ObjectSequence], bool]:
    """At most `limit` sequences of a kind ("images"…) the query selects, newest
    runs first, and whether more matched. Raises QueryError."""
    sequences = (
        filter_sequences(ObjectSequence.objects.all(), text, kind)
        .select_related("run__experiment")
        .defer("run__meta", "run__description")
        .prefetch_related(Prefetch("run__tags", queryset=Tag.objects.order_by("name")))
        .order_by("-run__created_at", "-run_id", "name", "context_key")
    )
    selected = list(sequences[: limit + 1])
    return selected[:limit], len(selected) > limit


def sequences_page(
    text: str, kind: str, *, after: int | None, limit: int
) -> tuple[list[ObjectSequence], int | None]:
    """The sequences of a kind that the query selects, in id order from after
    `after`, at most `limit`, and the `after` of the next page (None on the
    last): every sequence, page by page, where `select_sequences` stops at
    MAX_SEQUENCES (the SDK's `query_images`). Raises QueryError."""
    sequences = filter_sequences(ObjectSequence.objects.all(), text, kind)
    if after is not None:
        sequences = sequences.filter(id__gt=after)
    rows = list(
        sequences.select_related("run__experiment")
        .defer("run__meta", "run__description")
        .order_by("id")[: limit + 1]
    )
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None


def _tracked_steps(
    sequences: list[ObjectSequence], window: RecordWindow
) -> dict[int, list[int]]:
    """Each sequence's distinct steps within the step range, ascending."""
    records = ObjectRecord.objects.filter(sequence_id__in=[s.id for s in sequences])
    if window.step_min is not None:
        records = records.filter(step__gte=window.step_min)
    if window.step_max is not None:
        records = records.filter(step__lte=window.step_max)
    steps: dict[int, list[int]] = {}
    # The unique (sequence, step, index) index answers this without the table.
    pairs = records.order_by("sequence_id", "step").values_list("sequence_id", "step")
    for sequence_id, step in pairs.distinct():
        steps.setdefault(sequence_id, []).append(step)
    return steps


def _sampled_indices(sequence: ObjectSequence, window: RecordWindow) -> list[int]:
    low = max(window.index_min or 0, 0)
    high = sequence.max_index
    if window.index_max is not None:
        high = min(high, window.index_max)
    return evenly_spaced(range(low, high + 1), window.index_density)


def object_names(text: str, kind: str) -> list[dict]:
    """Name+context pairs of the sequences of a kind that a query selects, with
    how many runs track each (the `+ Images` picker). Raises QueryError."""
    return name_context_pairs(
        filter_sequences(ObjectSequence.objects.all(), text, kind)
    )


def tracked_steps(sequence: ObjectSequence) -> list[int]:
    """Every distinct step a sequence tracked, ascending: the run page's step
    sliders move from one tracked step to the next."""
    return _tracked_steps([sequence], RecordWindow()).get(sequence.id, [])


def sample_records(
    sequences: list[ObjectSequence], window: RecordWindow
) -> list[SampledSequence]:
    """The sampled steps and records of each sequence: two queries (more only
    when sequences tracked at many different steps need more parameters than
    one query takes), never one per sequence or record."""
    if not sequences:
        return []
    tracked = _tracked_steps(sequences, window)
    plans: dict[tuple, list[int]] = {}  # (steps, indices) -> sequence ids
    sampled: dict[int, list[int]] = {}
    for sequence in sequences:
        steps = evenly_spaced(tracked.get(sequence.id, []), window.density)
        sampled[sequence.id] = steps
        indices = _sampled_indices(sequence, window)
        if steps and indices:
            plans.setdefault((tuple(steps), tuple(indices)), []).append(sequence.id)
    records: dict[int, list[RecordSummary]] = {}
    for condition in _batched_conditions(plans):
        rows = (
            ObjectRecord.objects.filter(condition)
            .order_by("sequence_id", "step", "index")
            .values("sequence_id", *RECORD_COLUMNS)
        )
        for row in rows:
            records.setdefault(row["sequence_id"], []).append(record_summary(row))
    return [
        SampledSequence(sequence, sampled[sequence.id], records.get(sequence.id, []))
        for sequence in sequences
    ]


def _batched_conditions(plans: dict[tuple, list[int]]) -> list[Q]:
    """One OR of (sequences, steps, indices) per query, each within the
    parameter budget. Sequences sampled alike share one condition."""
    batches: list[Q] = []
    current, size = Q(pk__in=[]), 0
    for (steps, indices), sequence_ids in plans.items():
        cost = len(steps) + len(indices) + len(sequence_ids)
        if size and size + cost > _PARAMS_PER_QUERY:
            batches.append(current)
            current, size = Q(pk__in=[]), 0
        current |= Q(sequence_id__in=sequence_ids, step__in=steps, index__in=indices)
        size += cost
    if size:
        batches.append(current)
    return batches


def search_objects(text: str, kind: str, window: RecordWindow) -> ObjectSearch:
    """The `objects/search` read: the sequences of a kind that an AimQL query
    selects (at most MAX_SEQUENCES) with their sampled records.

    Raises QueryError for a bad query.
    """
    sequences, truncated = select_sequences(text, kind)
    return ObjectSearch(sample_records(sequences, window), truncated)


TEXT_HTML_MODES = ("markdown", "html")
MAX_TEXT_HTML_RECORDS = 100


def texts_as_html(record_ids: Sequence[int], mode: str) -> dict[int, str | None]:
    """Tracked texts shown as the Texts explorer's Markdown or HTML renderer shows
    them: sanitised HTML by record id (the notes' allow-list, so no script, event
    handler or `javascript:` URL gets through). Markdown renders within the notes'
    time budget; a text refused past it maps to None (shown as plain text).
    Ids that are not tracked texts are left out."""
    texts = ObjectRecord.objects.filter(
        id__in=record_ids, sequence__kind=ObjectSequence.Kind.TEXT
    ).values_list("id", "text")
    if mode == "html":
        return {record_id: sanitise(text) for record_id, text in texts}
    rendered: dict[int, str | None] = {}
    for record_id, text in texts:
        try:
            rendered[record_id] = render_markdown(text)
        except (MarkdownRefused, RendererBusy):
            rendered[record_id] = None
    return rendered
