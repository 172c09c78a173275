"""Sequence-level AimQL: which series a query selects, not which runs.

`metric.name == "loss" and run.hparams.lr > 1e-4` is parsed with the `run` and
`metric` subjects and compiled against MetricSeries (run fields through the
join, `run__…`), so one SQL query selects the series. Aim's semantics: archived
runs are hidden unless the query mentions `run.archived`, and system series
(`__system__…`) unless the query names them. A query that reads only `run.*`
selects every other series of the matching runs. The media kinds (`images.*`…,
media_tracks/query.py) compile through the same path over ObjectSequence.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from runs.query.compiler import compile_predicate
from runs.query.parser import parse
from runs.query.subjects import SEQUENCE_SUBJECTS

RUN_PREFIX = "run__"


@dataclass
class CompiledSequenceQuery:
    text: str
    condition: Q
    mentions_archived: bool
    # Names starting with it are left out ("" when the subject hides nothing or
    # the query names the prefix).
    hidden_prefix: str = ""

    def apply(self, series: QuerySet) -> QuerySet:
        # One filter() call: the run is joined once for every condition.
        condition = self.condition
        if not self.mentions_archived:
            condition &= Q(run__is_archived=False)
        if self.hidden_prefix:
            condition &= ~Q(name__startswith=self.hidden_prefix)
        return series.filter(condition)


def compile_sequence_query(
    text: str, subject: str = "metric", now: datetime | None = None
) -> CompiledSequenceQuery:
    """Parse and compile a query over one sequence subject (a name in
    SEQUENCE_SUBJECTS); raises QueryError."""
    parsed = parse(text or "", subjects={"run", subject})
    condition = compile_predicate(parsed.root, now or timezone.now(), RUN_PREFIX)
    # Like Aim's `run.archived` rule, a mention in the text is enough: the
    # prefix can only stand in a string (`metric.name == "__system__cpu"`).
    prefix = SEQUENCE_SUBJECTS[subject].hidden_prefix
    return CompiledSequenceQuery(
        parsed.text,
        condition,
        parsed.mentions_archived,
        "" if prefix in parsed.text else prefix,
    )


def filter_series(series: QuerySet, text: str, now: datetime | None = None) -> QuerySet:
    """The metric series an AimQL query selects (`metric.*` and `run.*`).

    Raises QueryError(message, position) for a query that cannot be compiled.
    """
    return compile_sequence_query(text, "metric", now).apply(series)
