"""REST API of the media explorers (Images, Audios, Texts, Figures,
Distributions): `objects/names` (the `+ Images` picker), `objects/search` and
`objects/texts/html` (the Texts explorer's Markdown and HTML renderers). Thin: a serializer parses the query string,
media_tracks.services.search_objects reads, and this module shapes the answer."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from aimsite.api import INT64_MAX
from media_tracks import services
from media_tracks.models import SEQUENCE_SUMMARY_FIELDS
from media_tracks.query import KINDS
from media_tracks.serializers import ObjectRecordSerializer, ObjectSequenceSerializer
from runs.explorers.http import (
    ExplorerRunSerializer,
    NameContextSerializer,
    PageParams,
    explorer_answer,
)
from runs.serializers import QueryField

MAX_DENSITY = 1000
MAX_INDEX_DENSITY = 100


class ObjectNamesParams(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=KINDS, help_text="which sequences: " + ", ".join(KINDS)
    )
    q = QueryField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="AimQL over run.* and <kind>.* (images.name, "
        "images.context.subset, images.count, images.first_step, images.last_step)",
    )


class ObjectSearchParams(ObjectNamesParams):
    step_min = serializers.IntegerField(
        required=False, min_value=-INT64_MAX, max_value=INT64_MAX
    )
    step_max = serializers.IntegerField(
        required=False, min_value=-INT64_MAX, max_value=INT64_MAX
    )
    index_min = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1
    )
    index_max = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1
    )
    density = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DENSITY,
        default=services.DEFAULT_DENSITY,
        help_text="at most this many steps per sequence, evenly spaced over the "
        "steps tracked within the step range (first and last kept)",
    )
    index_density = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INDEX_DENSITY,
        default=services.DEFAULT_INDEX_DENSITY,
        help_text="at most this many indices per step, evenly spaced over the "
        "index range",
    )

    def validate(self, attrs: dict) -> dict:
        for low, high in (("step_min", "step_max"), ("index_min", "index_max")):
            low_value, high_value = attrs.get(low), attrs.get(high)
            if None not in (low_value, high_value) and low_value > high_value:
                raise serializers.ValidationError(
                    {high: f"must be at least {low} ({low_value})"}
                )
        return attrs


def _window(data: dict) -> services.RecordWindow:
    return services.RecordWindow(
        step_min=data.get("step_min"),
        step_max=data.get("step_max"),
        index_min=data.get("index_min"),
        index_max=data.get("index_max"),
        density=data["density"],
        index_density=data["index_density"],
    )


class _RunBriefSerializer(serializers.Serializer):
    hash = serializers.CharField()
    name = serializers.CharField()
    experiment = serializers.CharField()


class _SampledSequenceSerializer(ObjectSequenceSerializer):
    """A sequence's summary, its run, its sampled steps and their records."""

    run = _RunBriefSerializer()
    steps = serializers.ListField(child=serializers.IntegerField())
    records = ObjectRecordSerializer(many=True)

    class Meta(ObjectSequenceSerializer.Meta):
        fields = ["run", *SEQUENCE_SUMMARY_FIELDS, "steps", "records"]


class ObjectSearchAnswerSerializer(serializers.Serializer):
    sequences = _SampledSequenceSerializer(many=True)
    runs = serializers.DictField(child=ExplorerRunSerializer(), help_text="By hash.")
    truncated = serializers.BooleanField()
    limit = serializers.IntegerField()


class ObjectNamesAnswerSerializer(serializers.Serializer):
    sequences = NameContextSerializer(many=True)


class ObjectNamesView(APIView):
    """The name+context pairs a media explorer's `+ Images` picker offers."""

    @extend_schema(
        parameters=[ObjectNamesParams],
        responses=ObjectNamesAnswerSerializer,
        description="Name+context pairs of the sequences of `kind` in the runs "
        "matching `q`, with how many runs track each. Archived runs are left out "
        "unless `q` mentions run.archived.",
    )
    def get(self, request):
        return explorer_answer(
            request,
            ObjectNamesParams,
            lambda data: {"sequences": services.object_names(data["q"], data["kind"])},
        )


def _sequence_payload(item: services.SampledSequence) -> dict:
    sequence = item.sequence
    run = sequence.run
    return {
        "run": run.as_brief(),
        **sequence.as_summary(),
        "steps": item.steps,
        "records": item.records,
    }


class ObjectSearchView(APIView):
    """Compare tracked objects across runs (the media explorers)."""

    @extend_schema(
        parameters=[ObjectSearchParams],
        responses=ObjectSearchAnswerSerializer,
        description="The sequences of `kind` that `q` selects (newest runs first, "
        f"at most {services.MAX_SEQUENCES}: `truncated` says more matched), each "
        "with its sampled `steps` and the records at those steps and sampled "
        "indices. Archived runs are left out unless `q` mentions run.archived.",
    )
    def get(self, request):
        return explorer_answer(
            request, ObjectSearchParams, lambda data: _search(data, request.user)
        )


def _search(data: dict, user) -> dict:
    found = services.search_objects(data["q"], data["kind"], _window(data))
    runs = {}
    for item in found.sequences:
        run = item.sequence.run
        if run.hash not in runs:
            runs[run.hash] = run.as_explorer_entry(user)
    return {
        "sequences": [_sequence_payload(item) for item in found.sequences],
        "runs": runs,
        "truncated": found.truncated,
        "limit": services.MAX_SEQUENCES,
    }


class ObjectSequencesParams(ObjectNamesParams, PageParams):
    pass


class _SequenceSummarySerializer(ObjectSequenceSerializer):
    run = _RunBriefSerializer()

    class Meta(ObjectSequenceSerializer.Meta):
        fields = ["run", *SEQUENCE_SUMMARY_FIELDS]


class ObjectSequencesAnswerSerializer(serializers.Serializer):
    sequences = _SequenceSummarySerializer(many=True)
    next = serializers.IntegerField(
        allow_null=True, help_text="`after` for the next page; null on the last."
    )


def _sequences_page(data: dict) -> dict:
    page, next_after = services.sequences_page(
        data["q"], data["kind"], after=data.get("after"), limit=data["limit"]
    )
    return {
        "sequences": [
            {"run": sequence.run.as_brief(), **sequence.as_summary()}
            for sequence in page
        ],
        "next": next_after,
    }


class ObjectSequencesView(APIView):
    """Every sequence of a kind that a query selects, page by page (for scripts)."""

    @extend_schema(
        parameters=[ObjectSequencesParams],
        responses=ObjectSequencesAnswerSerializer,
        description="The sequences of `kind` that `q` selects, without records, "
        "in id order (`objects/search` stops at "
        f"{services.MAX_SEQUENCES}). Read a sequence's records with "
        "`objects/sequences/{id}/records`.",
    )
    def get(self, request):
        return explorer_answer(request, ObjectSequencesParams, _sequences_page)


class TextHtmlParams(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=services.TEXT_HTML_MODES, help_text="how to read the texts"
    )
    ids = serializers.RegexField(
        # At most MAX_TEXT_HTML_RECORDS ids, in the pattern so the schema says it.
        rf"^[0-9]{{1,18}}(,[0-9]{{1,18}}){{0,{services.MAX_TEXT_HTML_RECORDS - 1}}}$",
        error_messages={
            "invalid": f"must be 1 to {services.MAX_TEXT_HTML_RECORDS} record ids "
            "separated by commas"
        },
        help_text="text record ids, comma-separated",
    )

    def validate_ids(self, value: str) -> list[int]:
        return [int(part) for part in value.split(",")]


class TextHtmlAnswerSerializer(serializers.Serializer):
    html = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="Sanitised HTML by record id; null when the Markdown took too "
        "long to render (show the text as it is).",
    )


class TextHtmlView(APIView):
    """Tracked texts as sanitised HTML (the Texts explorer's renderer modes)."""

    @extend_schema(
        parameters=[TextHtmlParams],
        responses=TextHtmlAnswerSerializer,
        description="The texts of the given records read as Markdown or as HTML, "
        "sanitised on the server with the experiment notes' allow-list. Ids that "
        "are not tracked texts are left out.",
    )
    def get(self, request):
        return explorer_answer(
            request,
            TextHtmlParams,
            lambda data: {
                "html": {
                    str(record_id): html
                    for record_id, html in services.texts_as_html(
                        data["ids"], data["mode"]
                    ).items()
                }
            },
        )
