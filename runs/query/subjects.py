"""What a query may read: one field table per subject.

`run` is the run itself (read by every explorer). A sequence subject (`metric`
today; the media kinds `images`, `audios`, … register theirs from
media_tracks/query.py) is the sequence being searched, one row per series. The
parser takes the set of subjects its caller allows, and the compiler reads a
sequence's own columns directly and the run's through the join to it.
"""

from dataclasses import dataclass, field

# The run's own fields: Aim's name -> (column, kind).
RUN_FIELDS: dict[str, tuple[str, str]] = {
    "hash": ("hash", "text"),
    "name": ("name", "text"),
    "description": ("description", "text"),
    "experiment": ("experiment", "text"),
    "status": ("status", "text"),
    "archived": ("archived", "bool"),
    "active": ("active", "bool"),
    "creation_time": ("created_at", "datetime"),
    "created_at": ("created_at", "datetime"),
    "end_time": ("finished_at", "datetime"),
    "finalized_at": ("finished_at", "datetime"),
    "updated_at": ("updated_at", "datetime"),
    "duration": ("duration", "number"),
    "tags": ("tags", "tags"),
}

# What a query reads from a run's datetime (in UTC, as Aim's naive UTC datetimes):
# attributes giving numbers, methods giving a number, and the strftime directives
# both databases can write the same way.
DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")
DATE_METHODS = ("weekday", "isoweekday")
STRFTIME = {
    "Y": "year, 4 digits",
    "m": "month 01-12",
    "d": "day 01-31",
    "H": "hour 00-23",
    "M": "minute 00-59",
    "S": "second 00-59",
    "j": "day of the year 001-366",
    "%": "a literal %",
}

# Summary columns of a metric series, as `run.metrics[...]` and `metric.` name them.
METRIC_ATTRIBUTES = ("last", "first", "min", "max", "last_step", "first_step", "count")
# Float summaries: NaN is read as None (PostgreSQL stores it and orders it above
# every number; Python never matches it).
FLOAT_ATTRIBUTES = frozenset({"last", "first", "min", "max"})


@dataclass(frozen=True)
class SequenceSubject:
    """A kind of sequence a query can search (`metric.name == "loss"`).

    fields: attribute -> kind, where kind is "text" (a column), "summary" (a
    nullable number column) or "context" (the context JSON, read by key).
    `describes`, `explorer` and `url` make the error the runs explorer gives
    when a query reads this subject, and its link to the explorer that does.
    hidden_prefix: sequences whose name starts with it (system metrics) are
    left out unless the query names the prefix.
    """

    name: str
    describes: str
    explorer: str
    fields: dict[str, str] = field(hash=False)
    url: str = ""
    hidden_prefix: str = ""

    @property
    def field_names(self) -> str:
        return ", ".join(f"{self.name}.{attribute}" for attribute in self.fields)


METRIC = SequenceSubject(
    name="metric",
    describes="metric sequences",
    explorer="Metrics explorer",
    fields={
        "name": "text",
        "context": "context",
        **dict.fromkeys(METRIC_ATTRIBUTES, "summary"),
    },
    url="/metrics/",
    # runs.models.SYSTEM_METRIC_PREFIX, spelled out: this table imports no models.
    hidden_prefix="__system__",
)

SEQUENCE_SUBJECTS: dict[str, SequenceSubject] = {METRIC.name: METRIC}


def register_sequence_subject(subject: SequenceSubject) -> None:
    """Let another app (media_tracks) add its sequence kinds to the language."""
    SEQUENCE_SUBJECTS[subject.name] = subject
