"""API shapes for runs. Request serializers validate (strictly: see
aimsite.serializers); the ingest batch is validated by runs.ingest for speed, and
its serializers here document it for the schema, as the answer serializers do."""

import json

import orjson
from django.conf import settings
from django.core.validators import RegexValidator
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimsite.api import SummarySerializer
from aimsite.numbers import FLOAT64_MAX, INT64_MAX
from aimsite.openapi import JSON_NUMBER, JSON_OBJECT, NO_NUL_PATTERN
from aimsite.serializers import (
    RejectUnknownFieldsMixin,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
)
from runs.contexts import MAX_NAME_LENGTH
from runs.ingest import (
    MAX_EXPECT_NEXT_IN,
    MAX_PARAMS_DEPTH,
    MAX_TAGS_PER_BATCH,
    MAX_UNSET_PATHS,
)
from runs.models import SERIES_SUMMARY_FIELDS, LogLine, MetricSeries, Run
from runs.query.parser import MAX_LENGTH as MAX_QUERY_LENGTH
from tags.models import Tag, TagChip, visible_chips, visible_chips_by_run
from tags.serializers import TagNameField

# An AimQL query: valid ones cannot be told apart by a pattern, so a format names
# the language (the conformance test gives schemathesis valid queries for it).
AIMQL_SCHEMA = {
    "type": "string",
    "format": "aimql",
    "pattern": NO_NUL_PATTERN,
    "description": "An AimQL query, e.g. run.hparams.lr > 0.001 and "
    '"best" in run.tags; empty matches every run that is not archived. At most '
    f"{MAX_QUERY_LENGTH} characters.",
}
# The runs table's column ids, as a JSON list (runs.table.parse_columns).
COLUMNS_SCHEMA = {
    "type": "string",
    "format": "aimsite-columns",
    "pattern": NO_NUL_PATTERN,
    "description": 'A JSON list of column ids, e.g. ["name", "p:[\\"hparams\\",'
    '\\"lr\\"]"]; left out: the params and metrics of the first runs.',
}


@extend_schema_field(AIMQL_SCHEMA)
class QueryField(StrictCharField):
    """An AimQL query (compiled, and refused with its position, by the view)."""


class TagBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


def _datetime_text(value, zone) -> str:
    """A stored (aware) datetime as DRF's DateTimeField writes it (ISO 8601 in the
    current time zone, UTC as Z), without its per-call time-zone lookups."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RunSerializer(serializers.ModelSerializer):
    experiment = serializers.CharField(source="experiment.name", read_only=True)
    owner = serializers.CharField(
        source="owner.username", read_only=True, default=None, allow_null=True
    )
    tags = serializers.SerializerMethodField()
    duration = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)
    pinned_metrics = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Run
        fields = [
            "hash",
            "name",
            "description",
            "experiment",
            "owner",
            "status",
            "is_active",
            "is_archived",
            "created_at",
            "updated_at",
            "finished_at",
            "last_heartbeat",
            "duration",
            "tags",
            "params",
            "pinned_metrics",
        ]
        read_only_fields = [
            "hash",
            "status",
            "created_at",
            "updated_at",
            "finished_at",
            "last_heartbeat",
            "params",
        ]

    def get_duration(self, run: Run) -> float:
        return run.duration.total_seconds()

    def to_representation(self, run: Run) -> dict:
        """The fields above, written directly (run_answer): same output as DRF's
        per-field machinery; tests/runs/test_run_serializer.py pins it."""
        row = {
            "hash": run.hash,
            "name": run.name,
            "description": run.description,
            "experiment__name": run.experiment.name,
            "owner__username": run.owner.username if run.owner_id is not None else None,
            "status": run.status,
            "is_archived": run.is_archived,
            "created_at": run.created_at,
            "updated_at": run.updated_at,
            "finished_at": run.finished_at,
            "last_heartbeat": run.last_heartbeat,
            "params": run.params,
            "pinned_metrics": run.pinned_metrics,
        }
        return run_answer(row, self.get_tags(run), timezone.get_current_timezone())

    @extend_schema_field(TagBriefSerializer(many=True))
    def get_tags(self, run: Run) -> list[TagChip]:
        # Uses the prefetched tags when the view prefetched them.
        return visible_chips(run.tags.all())


# What run_answer reads, as run_rows gives it: a search answers up to 500 runs a
# page, and building model objects (run, experiment, owner, a tags manager each)
# cost more than the rest (issue 18 #2).
RUN_ROW_FIELDS = (
    "id",
    "hash",
    "name",
    "description",
    "experiment__name",
    "owner__username",
    "status",
    "is_archived",
    "created_at",
    "updated_at",
    "finished_at",
    "last_heartbeat",
)
_INT64 = 2.0**63


def orjson_exact(value: object) -> bool:
    """Whether no float in `value` is non-finite or past ±2**63: orjson writes
    such a value as json does (up to a float's spelling), and reads it from
    text as json does (an integer past 64 bits comes out of orjson as a float
    past ±2**63)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is float and not -_INT64 < item < _INT64:
            return False
    return True


def _stored_json(text: str) -> tuple[object, bool]:
    """A JSON column's text decoded as Django's JSONField decodes it (json), with
    orjson (several times faster) wherever the two read the same values; and
    whether orjson_exact holds for it."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:  # NaN, Infinity, 1e400: json's extensions
        return json.loads(text), False
    if orjson_exact(value):
        return value, True
    return json.loads(text), False


def run_rows(runs: QuerySet) -> QuerySet:
    """`runs` as the rows run_answers reads (plain dicts: RUN_ROW_FIELDS, and the
    JSON columns as text)."""
    return runs.values(
        *RUN_ROW_FIELDS,
        params_json=Cast("params", TextField()),
        pinned_json=Cast("pinned_metrics", TextField()),
    )


def run_answers(rows: list[dict]) -> tuple[list[dict], bool]:
    """RunSerializer's answer for each of run_rows's rows, and one query for
    their tags; and whether orjson_exact holds for every answer."""
    chips = visible_chips_by_run([row["id"] for row in rows])
    zone = timezone.get_current_timezone()
    answers = []
    exact = True
    for row in rows:
        row["params"], params_exact = _stored_json(row["params_json"])
        row["pinned_metrics"], _ = _stored_json(row["pinned_json"])  # names only
        exact = exact and params_exact
        answers.append(run_answer(row, chips.get(row["id"], []), zone))
    return answers, exact


def run_answer(row: dict, tags: list[TagChip], zone) -> dict:
    """A run as RunSerializer writes it, from RUN_ROW_FIELDS and the decoded
    `params` and `pinned_metrics`."""
    status = row["status"]
    created_at, updated_at = row["created_at"], row["updated_at"]
    finished_at = row["finished_at"]
    duration = Run.duration_of(status, created_at, updated_at, finished_at)
    return {
        "hash": row["hash"],
        "name": row["name"],
        "description": row["description"],
        "experiment": row["experiment__name"],
        "owner": row["owner__username"],
        "status": status,
        "is_active": status == Run.Status.ACTIVE,
        "is_archived": row["is_archived"],
        "created_at": _datetime_text(created_at, zone),
        "updated_at": _datetime_text(updated_at, zone),
        "finished_at": None
        if finished_at is None
        else _datetime_text(finished_at, zone),
        "last_heartbeat": _datetime_text(row["last_heartbeat"], zone),
        "duration": duration.total_seconds(),
        "tags": tags,
        "params": row["params"],
        "pinned_metrics": [str(name) for name in row["pinned_metrics"]],
    }


class RunDetailSerializer(RunSerializer):
    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "meta"]

    def to_representation(self, run: Run) -> dict:
        return {**super().to_representation(run), "meta": run.meta}


class RunUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = StrictCharField(max_length=200, allow_blank=True, required=False)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False)
    pinned_metrics = serializers.ListField(
        child=StrictCharField(max_length=1300, allow_blank=True),
        max_length=200,
        required=False,
    )
    is_archived = StrictBooleanField(required=False)


@extend_schema_field(
    {**JSON_OBJECT, "description": "Any JSON object; `hparams` is just a key."}
)
class ParamsField(serializers.JSONField):
    """A JSON object; runs.ingest.validate_params checks it."""


@extend_schema_field({"$ref": "#/components/schemas/TrackBatchRequest"})
class BatchField(serializers.Field):
    """The run's first batch, as sent: runs.ingest.parse_batch checks it (and takes
    the NaN and Infinity tokens DRF's JSONField would refuse)."""

    def to_internal_value(self, data: object) -> object:
        return data


MAX_BATCH_HASHES = 10_000


class HashField(StrictCharField):
    """A run hash: 24 lowercase hex characters."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)
        # First, so its message comes first (before DRF's "Null characters...").
        self.validators.insert(
            0,
            RegexValidator(
                r"^[0-9a-f]{24}\Z", "must be a run hash (24 lowercase hex characters)"
            ),
        )


class RunCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    hash = HashField(help_text="24 lowercase hex characters, made by the client.")
    experiment = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text='Its name; created when new. Blank: "default".',
    )
    name = StrictCharField(max_length=200, required=False, allow_blank=True)
    description = StrictCharField(max_length=5000, required=False, allow_blank=True)
    params = ParamsField(required=False)
    tags = serializers.ListField(
        child=TagNameField(), max_length=MAX_TAGS_PER_BATCH, required=False
    )
    batch = BatchField(
        required=False, help_text="A first batch, applied as `track` would."
    )


class MetricSeriesSerializer(SummarySerializer):
    class Meta:
        model = MetricSeries
        fields = read_only_fields = SERIES_SUMMARY_FIELDS


def bulk_create_serializer(max_length: int) -> serializers.ListSerializer:
    """Runs created in bulk, documented: any item is taken, and one that is not a
    run is answered with its own 400 in the results, the others applied."""
    bulk = RunCreateSerializer(many=True, min_length=1, max_length=max_length)
    bulk.judges_items_alone = True
    return bulk


class RunTagsSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    schema_extra = {"anyOf": [{"required": ["names"]}, {"required": ["ids"]}]}

    names = serializers.ListField(
        child=TagNameField(), min_length=1, max_length=100, required=False
    )
    ids = serializers.ListField(
        # Bounded like the database's ids: a larger one can match no tag.
        child=StrictIntegerField(min_value=1, max_value=INT64_MAX),
        min_length=1,
        max_length=100,
        required=False,
    )
    create_missing = StrictBooleanField(
        default=False, help_text="Attaching by name: create tags that do not exist."
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("names") and not attrs.get("ids"):
            raise serializers.ValidationError("give tag names or ids")
        return attrs


class RunSelectionSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The runs a batch acts on: by `hashes`, or every run an AimQL `q` matches."""

    default_error_messages = {"invalid": "send a JSON object with `hashes` or `q`"}
    schema_extra = {"anyOf": [{"required": ["hashes"]}, {"required": ["q"]}]}
    hashes = serializers.ListField(
        child=HashField(),
        min_length=1,
        max_length=MAX_BATCH_HASHES,
        required=False,
        error_messages={
            "not_a_list": "hashes must be a list of run hashes",
            "empty": f"give 1 to {MAX_BATCH_HASHES} hashes",
            "min_length": f"give 1 to {MAX_BATCH_HASHES} hashes",
            "max_length": f"give 1 to {MAX_BATCH_HASHES} hashes",
        },
    )
    q = QueryField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        error_messages={"invalid": "q must be an AimQL query, as a string"},
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "hashes" not in attrs and "q" not in attrs:
            raise serializers.ValidationError(
                "give `hashes` (a list) or `q` (an AimQL query)"
            )
        return attrs


class RunBatchSerializer(RunSelectionSerializer):
    expected = StrictIntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="The number of runs the user confirmed: a selection that holds "
        "another number now is refused with 409, and nothing changes.",
    )


class RunArchiveSerializer(RunBatchSerializer):
    is_archived = StrictBooleanField(
        default=True, help_text="false unarchives the runs."
    )


class SelectionSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    changeable = serializers.IntegerField(help_text="The caller may change these.")
    owned = serializers.IntegerField()
    archived = serializers.IntegerField()


class ArchiveResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Runs whose state changed.")
    matched = serializers.IntegerField(help_text="Runs selected.")
    is_archived = serializers.BooleanField()


class DeleteResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Runs deleted.")


# -- the ingest batch: runs.ingest validates it (fast, no DRF); these document it --


@extend_schema_field(
    {
        "type": "object",
        "description": 'A flat object of scalars, e.g. {"subset": "train"}, '
        "at most 1024 bytes as compact JSON.",
        "propertyNames": {"minLength": 1, "pattern": NO_NUL_PATTERN},
        "additionalProperties": {
            "anyOf": [
                {"type": "null"},
                {"type": "boolean"},
                JSON_NUMBER,
                {"type": "string", "pattern": NO_NUL_PATTERN},
            ]
        },
    }
)
class ContextField(serializers.JSONField):
    pass


# A series or sequence name (runs.contexts.validate_name): something besides white
# space, and no control characters.
SEQUENCE_NAME_PATTERN = (
    "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"
)


@extend_schema_field(
    {"type": "string", "maxLength": MAX_NAME_LENGTH, "pattern": SEQUENCE_NAME_PATTERN}
)
class SequenceNameField(serializers.CharField):
    pass


@extend_schema_field({"type": "string"})
class TerminalTextField(serializers.CharField):
    """Terminal output: any text (NUL characters are dropped, not refused)."""


def _number(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(
        min_value=-FLOAT64_MAX, max_value=FLOAT64_MAX, **kwargs
    )


def _step(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=INT64_MAX, **kwargs)


class SeriesPointsSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """Points of one series, as columns: every column as long as `steps`."""

    name = SequenceNameField()
    context = ContextField(required=False, allow_null=True)
    steps = serializers.ListField(child=_step(), min_length=1)
    values = serializers.ListField(
        child=_number(allow_null=True), help_text="null: not a finite number."
    )
    epochs = serializers.ListField(
        child=_step(allow_null=True), required=False, allow_null=True
    )
    times = serializers.ListField(
        child=_number(allow_null=True),
        required=False,
        allow_null=True,
        help_text="Unix times in seconds.",
    )


LOG_RECORD_LEVELS = [level for level in LogLine.Level.values if level]


class LogLineSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    line = _step()
    text = TerminalTextField(allow_blank=True, trim_whitespace=False)
    time = _number(required=False, allow_null=True)
    level = serializers.ChoiceField(
        choices=LOG_RECORD_LEVELS,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A log record's level (run.log_info() …); empty or null for "
        "terminal output.",
    )


class TagChangesSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    attach = serializers.ListField(
        child=TagNameField(), max_length=MAX_TAGS_PER_BATCH, required=False
    )
    detach = serializers.ListField(
        child=TagNameField(), max_length=MAX_TAGS_PER_BATCH, required=False
    )


class TrackBatchSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """One batch of a run's tracking; but for `seq`, every field may be left out
    or null."""

    seq = _step(
        help_text="The client's sequence number, per run: a batch whose seq was "
        "applied before changes nothing."
    )
    params = ParamsField(
        required=False, allow_null=True, help_text="Deep-merged into the run's params."
    )
    unset = serializers.ListField(
        child=serializers.ListField(
            child=StrictCharField(allow_blank=True, trim_whitespace=False),
            min_length=1,
            max_length=MAX_PARAMS_DEPTH,
        ),
        max_length=MAX_UNSET_PATHS,
        required=False,
        allow_null=True,
        help_text='Param key paths to remove (`del run["hparams", "lr"]`), applied '
        "before `params`; a missing key is no error.",
    )
    meta = ParamsField(required=False, allow_null=True)
    metrics = serializers.ListField(
        child=SeriesPointsSerializer(), required=False, allow_null=True
    )
    logs = serializers.ListField(
        child=LogLineSerializer(),
        max_length=settings.AIMSITE_MAX_LOG_LINES_PER_BATCH,
        required=False,
        allow_null=True,
    )
    status = serializers.ChoiceField(
        choices=Run.Status.choices, required=False, allow_null=True
    )
    tags = TagChangesSerializer(required=False, allow_null=True)
    expect_next_in = serializers.FloatField(
        min_value=0,
        max_value=MAX_EXPECT_NEXT_IN,
        required=False,
        allow_null=True,
        help_text="Seconds until the next progress report (run.report_progress()); "
        "an active run not heard from by then, plus a grace period, is failed.",
    )


class TrackResultSerializer(serializers.Serializer):
    seq = serializers.IntegerField(allow_null=True)
    applied = serializers.BooleanField(
        help_text="false: a batch with this seq was applied before."
    )


class RunCreatedSerializer(RunDetailSerializer):
    batch = TrackResultSerializer(
        required=False, help_text="When the request carried a first batch."
    )

    class Meta(RunDetailSerializer.Meta):
        fields = [*RunDetailSerializer.Meta.fields, "batch"]

    to_representation = serializers.ModelSerializer.to_representation


class MinimalRunSerializer(serializers.Serializer):
    """The answer under `Prefer: return=minimal`."""

    schema_extra = {"additionalProperties": False}
    hash = serializers.CharField()
    batch = TrackResultSerializer(required=False)


class BulkItemResultSerializer(serializers.Serializer):
    """One run of a bulk creation: its answer (or error) plus the status it had."""

    code = serializers.IntegerField(help_text="The HTTP status it would have had.")
    hash = serializers.CharField(allow_null=True, required=False)
    error = serializers.CharField(required=False)
    field = serializers.CharField(required=False)
    batch = TrackResultSerializer(required=False)


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "anyOf": [
                {"type": ["number", "null"]},
                {"type": "string", "enum": ["Infinity", "-Infinity"]},
            ]
        },
        "description": "NaN is null; ±infinity is null too, or the strings "
        "Infinity and -Infinity with nonfinite=strings.",
    }
)
class _PointValuesField(serializers.ListField):
    pass


class PointsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    steps = serializers.ListField(child=serializers.IntegerField())
    values = _PointValuesField(child=serializers.FloatField(allow_null=True))
    epochs = serializers.ListField(child=serializers.IntegerField(allow_null=True))
    times = serializers.ListField(child=serializers.FloatField(allow_null=True))


class LogLineReadSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    text = serializers.CharField()
    time = serializers.FloatField(allow_null=True)
    level = serializers.ChoiceField(
        choices=LogLine.Level.values, help_text="Empty for terminal output."
    )


class LogsPageSerializer(serializers.Serializer):
    lines = LogLineReadSerializer(many=True)
    total = serializers.IntegerField(help_text="Lines the run has in all.")


class _HintContextSerializer(serializers.Serializer):
    context = serializers.DictField(help_text="A context the metric was tracked with.")
    label = serializers.CharField(help_text="The context as key=value pairs.")
    query = serializers.CharField(help_text="The query reading that context.")


class _ContextHintSerializer(serializers.Serializer):
    metric = serializers.CharField()
    position = serializers.IntegerField(help_text="Column of the first read.")
    contexts = _HintContextSerializer(many=True)


class QueryHintsSerializer(serializers.Serializer):
    """Metrics the query reads without a context that were only tracked with
    contexts; each context comes with the query rewritten to read it."""

    hints = _ContextHintSerializer(many=True)


class SuggestionsSerializer(serializers.Serializer):
    fields = serializers.ListField(child=serializers.CharField())
    params = serializers.ListField(child=serializers.CharField())
    metrics = serializers.ListField(child=serializers.CharField())
