"""Compile the query AST (runs.query.nodes) into one Django `Q`.

Every predicate is two-valued: a comparison with a missing value is False (and
its `not` is True), as Python would see `None`, so the SQL wraps anything that
may be NULL in COALESCE(…, false). One function per node type.

The same compiler serves every queried model: `run_prefix` is the path from it
to the run ("" for Run, "run__" for a series), and a sequence subject's fields
(`metric.name`, `metric.context.subset`) are the queried model's own columns.
"""

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime

from django.db.models import (
    BooleanField,
    Exists,
    F,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractHour,
    ExtractIsoWeekDay,
    ExtractMinute,
    ExtractMonth,
    ExtractSecond,
    ExtractYear,
    Left,
    Lower,
    Right,
    Upper,
)
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    Regex,
)

from runs.contexts import context_key
from runs.query import sql
from runs.query.nodes import (
    BoolOp,
    Compare,
    Constant,
    DateFormat,
    DatePart,
    Field,
    Literal,
    Metric,
    Not,
    Param,
    QueryError,
    StringTest,
    Transform,
    Truthy,
)
from runs.query.parser import to_datetime
from runs.query.subjects import FLOAT_ATTRIBUTES

_ORDER_LOOKUPS = {
    "<": LessThan,
    "<=": LessThanOrEqual,
    ">": GreaterThan,
    ">=": GreaterThanOrEqual,
}
_ORDER_SUFFIX = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_COLUMNS = {"experiment": "experiment__name"}
_METRIC_COLUMNS = {"first": "first"}

# run.created_at.<part>, read in UTC (Django converts on both databases).
_EXTRACT = {
    "year": ExtractYear,
    "month": ExtractMonth,
    "day": ExtractDay,
    "hour": ExtractHour,
    "minute": ExtractMinute,
    "second": ExtractSecond,
    "isoweekday": ExtractIsoWeekDay,
}

ALWAYS = Q(pk__isnull=False)
NEVER = Q(pk__in=[])


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _safe(lookup) -> Q:
    """A lookup that may be NULL, made two-valued."""
    return Q(Coalesce(lookup, Value(False), output_field=BooleanField()))


def _describe(operand: object) -> str:
    if isinstance(operand, Field):
        return f"{operand.subject}.{_field_name(operand)}"
    if isinstance(operand, Metric):
        return f"run.metrics[{operand.name!r}].{operand.attribute}"
    if isinstance(operand, DatePart):
        call = "()" if operand.part in ("weekday", "isoweekday") else ""
        return f"run.{operand.column}.{operand.part}{call}"
    return "this value"


class Compiler:
    def __init__(self, now: datetime, run_prefix: str = ""):
        self.now = now
        self.run_prefix = run_prefix
        # What a correlated subquery on the run (tags, run.metrics[…]) joins on.
        self.run_pk = "run_id" if run_prefix else "pk"

    def run_column(self, name: str) -> str:
        return f"{self.run_prefix}{_COLUMNS.get(name, name)}"

    def column(self, field: Field) -> str:
        """The ORM path of a field: a run column through the join, or a
        sequence subject's own column."""
        return self.run_column(field.name) if field.subject == "run" else field.name

    def json_column(self, param: Param) -> F:
        return F(self.run_column(param.source) if param.subject == "run" else "context")

    # -- predicates ----------------------------------------------------------

    def predicate(self, node: object) -> Q:
        if isinstance(node, Constant):
            return ALWAYS if node.value else NEVER
        if isinstance(node, BoolOp):
            # Conditions that read no JSON go first: SQLite tests them in the
            # written order, so a cheap one (a metric's list, a column) that
            # fails spares the params read on that run. Compiled in the query's
            # order, so the first error reported is still the leftmost.
            compiled = [
                (self.predicate(item), _reads_json(item)) for item in node.operands
            ]
            parts = [part for part, _ in sorted(compiled, key=lambda item: item[1])]
            result = parts[0]
            for part in parts[1:]:
                result = (result & part) if node.op == "and" else (result | part)
            return result
        if isinstance(node, Not):
            return ~self.predicate(node.operand)
        if isinstance(node, Truthy):
            return self.truthy(node.operand)
        if isinstance(node, StringTest):
            return self.string_test(node)
        if isinstance(node, Compare):
            return self.compare(node)
        raise QueryError("unsupported expression", getattr(node, "position", 0))

    def truthy(self, operand: object) -> Q:
        if isinstance(operand, Field) and operand.kind != "summary":
            if operand.kind == "text":
                return ~Q(**{self.column(operand): ""})
            if operand.name == "archived":
                return Q(**{self.run_column("is_archived"): True})
            if operand.name == "active":
                return Q(**{self.run_column("status"): "active"})
            if operand.kind == "datetime":
                return Q(**{f"{self.run_column(operand.name)}__isnull": False})
            return _safe(
                GreaterThan(self.number(operand), 0)
            )  # duration is never negative
        if isinstance(operand, Param):
            return Q(sql.JsonTruthy(self.json_column(operand), path=operand.path))
        if isinstance(operand, Metric):
            return self.metric_test(
                operand, lambda value: Q(LessThan(value, 0)) | Q(GreaterThan(value, 0))
            )
        if isinstance(operand, Field | DatePart):  # a number column
            value = self.number(operand)
            return _safe(LessThan(value, 0)) | _safe(GreaterThan(value, 0))
        if isinstance(operand, Transform | DateFormat):
            return _safe(GreaterThan(self._length(operand), 0))
        raise QueryError(
            "this value cannot be used as a condition", getattr(operand, "position", 0)
        )

    def _length(self, operand: object):
        from django.db.models.functions import Length

        return Length(self.text(operand))

    def string_test(self, node: StringTest) -> Q:
        expression = self.text(node.operand)
        argument = node.argument
        if node.function in ("startswith", "endswith"):
            if not argument:
                return _safe(IsNull(expression, False))
            cut = Left if node.function == "startswith" else Right
            return _safe(Exact(cut(expression, len(argument)), argument))
        pattern = f"^(?:{argument})" if node.function == "re.match" else argument
        return _safe(Regex(expression, pattern))

    def compare(self, node: Compare) -> Q:
        op, left, value = node.op, node.left, node.right
        if op in ("!=", "isnot"):
            return ~self.equals(left, value.value, node.position)
        if op in ("==", "is"):
            return self.equals(left, value.value, node.position)
        if op in ("in", "notin"):
            result = self.membership(node)
            return ~result if op == "notin" else result
        return self.order(op, left, value.value, node.position)

    def membership(self, node: Compare) -> Q:
        if isinstance(node.right, Literal):  # run.x in ["a", "b"]
            items = node.right.value
            if not items:
                return NEVER
            result = self.equals(node.left, items[0], node.position)
            for item in items[1:]:
                result |= self.equals(node.left, item, node.position)
            return result
        needle, haystack = node.left.value, node.right
        if isinstance(haystack, Field) and haystack.kind == "tags":
            from tags.models import Tag

            through = Tag.runs.through
            return Q(
                Exists(
                    through.objects.filter(
                        run_id=OuterRef(self.run_pk),
                        tag__name=needle,
                        tag__is_archived=False,
                    )
                )
            )
        if (
            isinstance(haystack, Param)
            and haystack.source == "context"
            and not haystack.path
        ):  # "subset" in metric.context: Python tests the dict's keys
            return Q(context__has_key=needle)
        expression = self.text(haystack)
        if not needle:
            return _safe(IsNull(expression, False))
        return _safe(sql.Contains(expression, Value(needle)))

    # -- equality and order ------------------------------------------------------

    def equals(self, left: object, value: object, position: int) -> Q:
        if isinstance(left, Param):
            return self._param_equals(left, value)
        if isinstance(left, Field) and left.kind != "summary":
            return self._field_equals(left, value, position)
        if isinstance(left, Metric | Field | DatePart):
            if value is not None and not _is_number(value):
                raise QueryError(
                    f"{_describe(left)} is a number; compare it with a number or None",
                    position,
                )
            if isinstance(left, Metric):
                if value is None:  # no such series, or no (finite) value
                    return ~self.metric_test(
                        left, lambda column: Q(IsNull(column, False))
                    )
                return self.metric_test(left, lambda column: Q(Exact(column, value)))
            if value is None:
                return Q(IsNull(self.number(left), True))
            return _safe(Exact(self.number(left), value))
        if isinstance(left, Transform | DateFormat):
            if value is None:
                return Q(IsNull(self.text(left), True))
            if not isinstance(value, str):
                method = "strftime" if isinstance(left, DateFormat) else left.function
                raise QueryError(
                    f".{method}() gives text; compare it with a string", position
                )
            return _safe(Exact(self.text(left), value))
        raise QueryError("unsupported comparison", position)

    def _param_equals(self, param: Param, value: object) -> Q:
        column = self.json_column(param)
        if isinstance(value, dict):
            # The exact context, through the canonical key the series is stored under.
            return Q(context_key=context_key(value))
        if value is None:
            return Q(sql.JsonIsNone(column, path=param.path))
        if isinstance(value, bool):
            return _safe(Exact(sql.JsonBool(column, path=param.path), value))
        if _is_number(value):
            return _safe(Exact(sql.JsonNumber(column, path=param.path), value))
        if isinstance(value, str):
            return _safe(Exact(sql.JsonText(column, path=param.path), value))
        raise QueryError(
            "params compare with numbers, strings, booleans and None", param.position
        )

    def _field_equals(self, field: Field, value: object, position: int) -> Q:
        if field.kind == "bool":
            if value is None:
                return NEVER
            if not isinstance(value, bool):
                raise QueryError(f"run.{field.name} is True or False", position)
            truth = self.truthy(field)
            return truth if value else ~truth
        if value is None:
            if field.name == "finished_at":
                return Q(**{self.run_column("finished_at__isnull"): True})
            return NEVER
        if field.kind == "text":
            if not isinstance(value, str):
                raise QueryError(
                    f"{_describe(field)} is text; compare it with a string",
                    position,
                )
            return Q(**{self.column(field): value})
        if field.kind == "datetime":
            moment = self._moment(field, value, position)
            return Q(**{self.run_column(field.name): moment})
        if field.kind == "number":
            if not _is_number(value):
                raise QueryError("run.duration is a number of seconds", position)
            return _safe(Exact(self.number(field), value))
        raise QueryError(f'use "name" in run.{field.name}', position)

    def order(self, op: str, left: object, value: object, position: int) -> Q:
        if value is None or isinstance(value, bool):
            raise QueryError(f"{op} cannot compare with {value!r}", position)
        lookup = _ORDER_LOOKUPS[op]
        if isinstance(left, Param):
            column = self.json_column(left)
            if _is_number(value):
                return _safe(lookup(sql.JsonNumber(column, path=left.path), value))
            if isinstance(value, str):
                return _safe(
                    lookup(sql.BinaryText(sql.JsonText(column, path=left.path)), value)
                )
            raise QueryError("params compare with numbers and strings", position)
        if isinstance(left, Metric | DatePart) or (
            isinstance(left, Field) and left.kind in ("number", "summary")
        ):
            if not _is_number(value):
                raise QueryError(
                    f"{_describe(left)} is a number; compare it with a number", position
                )
            if isinstance(left, Metric):
                return self.metric_test(left, lambda column: Q(lookup(column, value)))
            return _safe(lookup(self.number(left), value))
        if isinstance(left, Field) and left.kind == "datetime":
            moment = self._moment(left, value, position)
            return Q(**{f"{self.run_column(left.name)}__{_ORDER_SUFFIX[op]}": moment})
        if isinstance(left, Field | Transform | DateFormat) and (
            not isinstance(left, Field) or left.kind == "text"
        ):
            if not isinstance(value, str):
                raise QueryError(
                    f"{_describe(left)} is text; compare it with a string", position
                )
            return _safe(lookup(sql.BinaryText(self.text(left)), value))
        raise QueryError(f"{_describe(left)} cannot be ordered", position)

    def _moment(self, field: Field, value: object, position: int) -> datetime:
        moment = to_datetime(value)
        if moment is None:
            raise QueryError(
                f"run.{_field_name(field)} compares with datetime(y, m, d), an ISO date string "
                "or epoch seconds",
                position,
            )
        return moment

    # -- operand expressions -------------------------------------------------

    def number(self, operand: object):
        if isinstance(operand, Field) and operand.kind == "summary":
            value = F(operand.name)
            return sql.NotNaN(value) if operand.name in FLOAT_ATTRIBUTES else value
        if isinstance(operand, Field):
            return sql.DurationSeconds(self.now, self.run_prefix)
        if isinstance(operand, DatePart):
            return self.date_part(operand)
        raise QueryError("not a number", getattr(operand, "position", 0))

    def date_part(self, part: DatePart):
        column = self.run_column(part.column)
        if part.part == "weekday":  # Python's: Monday is 0
            return ExtractIsoWeekDay(column, tzinfo=UTC) - Value(1)
        return _EXTRACT[part.part](column, tzinfo=UTC)

    def metric_test(self, metric: Metric, test: Callable[[object], Q]) -> Q:
        """The runs whose series `metric` has a summary value passing `test` (a
        missing series, a NULL or NaN value passes none): `pk IN (the series
        that pass)`, not a subquery per run. The list is read once through the
        (name, context_key) index, so a selective metric condition spares the
        other conditions (a params JSON read per run) on every run it rules out;
        sql.NoIndex keeps SQLite scanning the runs in page order, stopping at
        the page's last row, rather than sorting every listed run first. The
        list has no ORDER BY and tests the bare column (NaN ruled out beside
        it, sql.IsNumber), so PostgreSQL turns it into a semi-join weighed by
        the column's statistics: an unselective condition reads the runs in
        page order and probes each run's series, stopping at the page."""
        from runs.models import MetricSeries

        column = _METRIC_COLUMNS.get(metric.attribute, metric.attribute)
        if column not in {field.name for field in MetricSeries._meta.get_fields()}:
            raise QueryError(
                f"the metric summary {metric.attribute!r} is not stored; use first, last, min, max, "
                "last_step, first_step or count",
                metric.position,
            )
        value = F(column)
        series = MetricSeries.objects.filter(
            test(value), name=metric.name, context_key=context_key(metric.context)
        )
        if column in FLOAT_ATTRIBUTES:
            series = series.filter(sql.IsNumber(value))
        return Q(In(sql.NoIndex(F(self.run_pk)), series.order_by().values("run_id")))

    def text(self, operand: object):
        if isinstance(operand, Field):
            return F(self.column(operand))
        if isinstance(operand, Param):
            return sql.JsonText(self.json_column(operand), path=operand.path)
        if isinstance(operand, Transform):
            function = Lower if operand.function == "lower" else Upper
            return function(self.text(operand.operand))
        if isinstance(operand, DateFormat):
            return sql.StrfTime(F(self.run_column(operand.column)), operand.format)
        raise QueryError("this value is not text", getattr(operand, "position", 0))


def _reads_json(node: object) -> bool:
    """Whether testing `node` reads a JSON column (a param) of every row."""
    if isinstance(node, Param):
        return True
    if is_dataclass(node):
        return any(_reads_json(getattr(node, item.name)) for item in fields(node))
    if isinstance(node, list | tuple):
        return any(_reads_json(item) for item in node)
    return False


def _field_name(field: Field) -> str:
    return {"finished_at": "end_time"}.get(field.name, field.name)


def compile_predicate(root: object, now: datetime, run_prefix: str = "") -> Q:
    """run_prefix: the ORM path from the queried model to the run ("run__" from
    a series, "" when querying runs)."""
    return Compiler(now, run_prefix).predicate(root)
