"""The small AST the run-query parser produces and the compiler consumes.

Plain dataclasses, no Django: the Python-side reference evaluator in the tests
walks the same nodes.
"""

from dataclasses import dataclass, field
from datetime import datetime


class QueryError(ValueError):
    """A query that cannot be compiled; `position` is the 0-based column."""

    def __init__(self, message: str, position: int = 0, subject: str | None = None):
        super().__init__(message)
        self.message = message
        self.position = position
        # Set when the query reads a sequence subject this caller does not
        # search (`metric.*` in the runs explorer), so the page can point to
        # the explorer that does.
        self.subject = subject


# -- operands ----------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A column of the subject: a run column (kind text | bool | datetime | number
    | tags) or a sequence column (kind text, or summary: a nullable number)."""

    name: str
    kind: str
    position: int
    subject: str = "run"


@dataclass(frozen=True)
class Param:
    """A value inside a JSON column: run.params (source "params"), run.meta
    (source "meta") or a sequence's context (source "context"; an empty path is
    the whole context)."""

    source: str
    path: tuple[str | int, ...]
    position: int
    subject: str = "run"


@dataclass(frozen=True)
class Metric:
    """A summary column of one metric series: last, min, max, count…"""

    name: str
    context: dict = field(hash=False)
    attribute: str = "last"
    position: int = 0
    # Where `, {context}` would go when the query gave none (the column after
    # the name inside the brackets), else -1: hints rewrite the query there.
    context_at: int = -1


@dataclass(frozen=True)
class Transform:
    """`operand.lower()` / `operand.upper()`."""

    function: str
    operand: object
    position: int


@dataclass(frozen=True)
class DatePart:
    """A number read from a run's datetime column, in UTC: `run.created_at.month`
    (year, month, day, hour, minute, second) or `run.created_at.weekday()`
    (Monday is 0, as in Python)."""

    column: str
    part: str
    position: int


@dataclass(frozen=True)
class DateFormat:
    """`run.created_at.strftime("%Y-%m-%d")`: a datetime column as text, in UTC;
    the format holds only the directives of runs.query.subjects.STRFTIME."""

    column: str
    format: str
    position: int


@dataclass(frozen=True)
class Literal:
    value: (
        object  # int | float | str | bool | None | datetime | tuple | dict (a context)
    )
    position: int


# -- predicates --------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """op: == != < <= > >= in notin is isnot (left op right)."""

    op: str
    left: object
    right: object
    position: int


@dataclass(frozen=True)
class StringTest:
    """function: startswith | endswith | re.match | re.search."""

    function: str
    operand: object
    argument: str
    position: int


@dataclass(frozen=True)
class Truthy:
    operand: object
    position: int


@dataclass(frozen=True)
class Constant:
    value: bool
    position: int


@dataclass(frozen=True)
class Not:
    operand: object
    position: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    operands: tuple
    position: int


@dataclass
class ParsedQuery:
    text: str
    root: object
    mentions_archived: bool = False
    # Sequence subjects the query reads (e.g. {"metric"}).
    reads: frozenset[str] = frozenset()


DATETIME_TYPE = datetime
