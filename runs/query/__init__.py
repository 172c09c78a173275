"""The run-query language (AimQL-compatible; docs/architecture.md, "The query language").

`parse()` turns a query string into a small AST (runs.query.nodes) with a
whitelist over Python's `ast`; `compile_query()` turns it into one `Q`; and
`filter_runs()` applies it, hiding archived runs unless the query mentions
`run.archived`. `filter_series()` (runs.query.sequences) does the same for
sequence-level queries (`metric.name == "loss"`) over metric series. No
request, HTTP or DRF here: the explorers, the REST API, CSV export and the
experiment page are thin adapters over these.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from runs.query.compiler import compile_predicate
from runs.query.nodes import ParsedQuery, QueryError
from runs.query.parser import parse
from runs.query.sequences import (
    CompiledSequenceQuery,
    compile_sequence_query,
    filter_series,
)


@dataclass
class CompiledQuery:
    text: str
    condition: Q
    mentions_archived: bool

    def apply(self, runs: QuerySet) -> QuerySet:
        runs = runs.filter(self.condition)
        return runs if self.mentions_archived else runs.filter(is_archived=False)


def compile_query(text: str, now: datetime | None = None) -> CompiledQuery:
    """Parse and compile; raises QueryError(message, position)."""
    parsed = parse(text or "")
    condition = compile_predicate(parsed.root, now or timezone.now())
    return CompiledQuery(parsed.text, condition, parsed.mentions_archived)


def filter_runs(runs: QuerySet, text: str, now: datetime | None = None) -> QuerySet:
    """The runs matching an AimQL query (archived ones only if the query says so)."""
    return compile_query(text, now).apply(runs)


__all__ = [
    "CompiledQuery",
    "CompiledSequenceQuery",
    "ParsedQuery",
    "QueryError",
    "compile_query",
    "compile_sequence_query",
    "filter_runs",
    "filter_series",
    "parse",
]
