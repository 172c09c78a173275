"""Sequence-level AimQL for tracked objects: `images.*`, `audios.*`, `texts.*`,
`figures.*` and `distributions.*`.

Each kind is a sequence subject (runs.query.subjects) whose fields are
ObjectSequence's own columns: `images.name`, `images.context.<key>` (or
`images.context["key"]`, or the whole `images.context == {...}`), `images.count`,
`images.first_step` and `images.last_step`. A query compiles to one SQL query
over ObjectSequence joined to its run, with the run-query semantics (archived
runs hidden unless the query mentions `run.archived`, a missing key is None, a
comparison that cannot hold is false). The subjects are registered when the app
is ready, so the runs explorer can point an `images.*` query to its explorer.
"""

from datetime import datetime

from django.db.models import QuerySet

from media_tracks.models import ObjectSequence
from runs.query import compile_sequence_query
from runs.query.nodes import QueryError
from runs.query.subjects import SequenceSubject, register_sequence_subject

_FIELDS = {
    "name": "text",
    "context": "context",
    "count": "summary",
    "first_step": "summary",
    "last_step": "summary",
}


def _subject(name: str, noun: str, explorer: str) -> SequenceSubject:
    return SequenceSubject(
        name=name,
        describes=f"{noun} sequences",
        explorer=f"{explorer} explorer",
        fields=_FIELDS,
        url=f"/{name}/",
    )


# Subject name (Aim's, as the query and the `kind` parameter spell it) -> the
# subject and the ObjectSequence kind it searches.
MEDIA_SUBJECTS: dict[str, tuple[SequenceSubject, str]] = {
    "images": (_subject("images", "image", "Images"), ObjectSequence.Kind.IMAGE),
    "audios": (_subject("audios", "audio", "Audios"), ObjectSequence.Kind.AUDIO),
    "texts": (_subject("texts", "text", "Texts"), ObjectSequence.Kind.TEXT),
    "figures": (_subject("figures", "figure", "Figures"), ObjectSequence.Kind.FIGURE),
    "distributions": (
        _subject("distributions", "distribution", "Distributions"),
        ObjectSequence.Kind.DISTRIBUTION,
    ),
}
KINDS = tuple(MEDIA_SUBJECTS)


def register_subjects() -> None:
    """Add the media kinds to the query language (MediaTracksConfig.ready)."""
    for subject, _kind in MEDIA_SUBJECTS.values():
        register_sequence_subject(subject)


def filter_sequences(
    sequences: QuerySet, text: str, kind: str, now: datetime | None = None
) -> QuerySet:
    """The object sequences of one kind ("images", "audios", …) that an AimQL
    query selects (`images.*` and `run.*`).

    Raises QueryError(message, position) for a query that cannot be compiled,
    and ValueError for an unknown kind.
    """
    if kind not in MEDIA_SUBJECTS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    object_kind = MEDIA_SUBJECTS[kind][1]
    compiled = compile_sequence_query(text, kind, now)
    return compiled.apply(sequences.filter(kind=object_kind))


__all__ = ["KINDS", "MEDIA_SUBJECTS", "QueryError", "filter_sequences"]
