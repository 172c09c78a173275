"""Parse an AimQL expression into the small AST of `runs.query.nodes`.

`ast.parse(mode="eval")` does the tokenising; this module walks the Python AST
with a whitelist, one function per grammar rule, and rejects everything else
with a QueryError naming the column and what is allowed. Nothing is evaluated.
"""

import ast
import math
import re
import warnings
from datetime import UTC, date, datetime

from django.utils.dateparse import parse_date, parse_datetime

from aimsite.text import text_problem
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
    ParsedQuery,
    QueryError,
    StringTest,
    Transform,
    Truthy,
)
from runs.query.regex import pattern_problem
from runs.query.subjects import (
    DATE_METHODS,
    DATE_PARTS,
    METRIC_ATTRIBUTES,
    RUN_FIELDS,
    SEQUENCE_SUBJECTS,
    STRFTIME,
    SequenceSubject,
)

MAX_LENGTH = 4000
MAX_DEPTH = 32
MAX_CONDITIONS = 128
MAX_LIST = 1000
MAX_STRING = 1000
MAX_PATH = 16
MAX_INT = 2**63 - 1
MAX_REGEX = 300

FIELDS = RUN_FIELDS  # the run's own fields (runs.query.subjects)
RUN_ONLY = frozenset({"run"})
SYSTEM_PARAMS = "__system_params"
STRING_METHODS = ("startswith", "endswith")
TRANSFORMS = ("lower", "upper")
COMPARE_OPS: dict[type, str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "notin",
    ast.Is: "is",
    ast.IsNot: "isnot",
}
ALLOWED = (
    'Allowed: run fields (run.name, run.hparams.lr, run["key", "sub"], '
    'run.metrics["loss"].last), literals, and/or/not, == != < <= > >=, '
    "in / not in, is None, .startswith(), .endswith(), .lower(), re.match(), "
    "re.search(), datetime(y, m, d), run.created_at.month (year, day, hour, "
    'minute, second), run.created_at.weekday(), run.created_at.strftime("%Y-%m-%d").'
)
_NODE_NAMES = {
    ast.Lambda: "a lambda",
    ast.IfExp: "an if-expression",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator",
    ast.JoinedStr: "an f-string",
    ast.Set: "a set",
    ast.Starred: "a starred expression",
    ast.NamedExpr: "an assignment",
    ast.Await: "await",
    ast.Slice: "a slice",
}


class _Parser:
    def __init__(self, text: str, shift: int = 0, subjects: frozenset = RUN_ONLY):
        self.text = text
        self.shift = shift
        self.subjects = subjects
        self.conditions = 0
        self.mentions_archived = False
        self.reads: set[str] = set()
        # ast gives UTF-8 byte offsets; positions are reported in characters.
        self._encoded = text.encode()

    def position(self, node: ast.AST) -> int:
        offset = getattr(node, "col_offset", 0) or 0
        if isinstance(node, ast.Attribute) and node.end_col_offset is not None:
            offset = node.end_col_offset - len(
                node.attr.encode()
            )  # the attribute itself
        return self.shift + len(self._encoded[:offset].decode(errors="ignore"))

    def fail(self, message: str, node: ast.AST | None = None) -> QueryError:
        return QueryError(message, self.position(node) if node is not None else 0)

    # -- predicates ----------------------------------------------------------

    def predicate(self, node: ast.AST, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise self.fail(f"the query is nested deeper than {MAX_DEPTH} levels", node)
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise self.fail(
                f"the query has more than {MAX_CONDITIONS} conditions", node
            )
        position = self.position(node)
        if isinstance(node, ast.BoolOp):
            op = "and" if isinstance(node.op, ast.And) else "or"
            return BoolOp(
                op,
                tuple(self.predicate(item, depth + 1) for item in node.values),
                position,
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.predicate(node.operand, depth + 1), position)
        if isinstance(node, ast.Compare):
            return self.comparison(node, depth)
        if isinstance(node, ast.Call):
            test = self.string_test(node, depth)
            if test is not None:
                return test
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return Constant(node.value, position)
        operand = self.operand(node, depth + 1)
        if isinstance(operand, Literal):
            raise self.fail(
                "a literal alone is not a condition; compare a run field with it", node
            )
        if isinstance(operand, Field) and operand.kind == "tags":
            raise self.fail('use "name" in run.tags to test tags', node)
        return Truthy(operand, position)

    def comparison(self, node: ast.Compare, depth: int) -> object:
        operands = [self.operand(node.left, depth + 1)]
        operands += [self.operand(item, depth + 1) for item in node.comparators]
        parts = []
        for index, op_node in enumerate(node.ops):
            op = COMPARE_OPS.get(type(op_node))
            if op is None:  # pragma: no cover - every ast.cmpop is listed
                raise self.fail("unsupported comparison", node)
            left, right = operands[index], operands[index + 1]
            where = node.comparators[index]
            parts.append(self.check_comparison(op, left, right, where))
            self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise self.fail(
                f"the query has more than {MAX_CONDITIONS} conditions", node
            )
        position = self.position(node)
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts), position)

    def check_comparison(
        self, op: str, left: object, right: object, node: ast.AST
    ) -> Compare:
        position = self.position(node)
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise self.fail(
                "this compares two literals; one side must be a run field", node
            )
        if not isinstance(left, Literal) and not isinstance(right, Literal):
            raise self.fail(
                "compare a run field with a literal value, not with another field", node
            )
        if op in ("is", "isnot"):
            value = right.value if isinstance(right, Literal) else None
            if not isinstance(right, Literal) or not (
                value is None or isinstance(value, bool)
            ):
                raise self.fail("`is` / `is not` work with None, True or False", node)
        if op in ("in", "notin"):
            return self.check_membership(op, left, right, node)
        if isinstance(left, Literal):  # 0.1 < run.x  ->  run.x > 0.1
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
            left, right = right, left
        if isinstance(left, Field) and left.kind == "tags":
            raise self.fail('use "name" in run.tags to test tags', node)
        if isinstance(right.value, tuple):
            raise self.fail("a list can only follow `in` / `not in`", node)
        is_context = isinstance(left, Param) and left.source == "context"
        if isinstance(right.value, dict) and not (
            is_context and not left.path and op in ("==", "!=")
        ):
            raise self.fail(
                "a dict compares only with a whole context: "
                'metric.context == {"subset": "train"} (or !=)',
                node,
            )
        return Compare(op, left, right, position)

    def check_membership(
        self, op: str, left: object, right: object, node: ast.AST
    ) -> Compare:
        position = self.position(node)
        if isinstance(right, Literal):
            if not isinstance(right.value, tuple):
                if isinstance(right.value, str):
                    raise self.fail(
                        'to test a substring write "text" in run.field', node
                    )
                raise self.fail(
                    "`in` needs a list, a tuple, run.tags or a text field", node
                )
            return Compare(op, left, right, position)
        if not isinstance(left.value, str):
            raise self.fail("only a string can be looked for inside a run field", node)
        if isinstance(right, Field) and right.kind not in ("text", "tags"):
            raise self.fail(
                f"`in` needs a text field or run.tags, not {right.subject}.{right.name}",
                node,
            )
        if isinstance(right, Metric):
            raise self.fail("`in` does not apply to metric values", node)
        if isinstance(right, DatePart):
            raise self.fail(
                f"run.{right.column}.{right.part} is a number; `in` needs text", node
            )
        return Compare(op, left, right, position)

    def string_test(self, node: ast.Call, depth: int) -> object | None:
        function = node.func
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node)
        if isinstance(function, ast.Attribute) and function.attr in STRING_METHODS:
            if isinstance(function.value, ast.Name) and function.value.id == "re":
                return None
            operand = self.text_operand(function.value, depth + 1)
            argument = self.string_argument(node, 0, 1)
            return StringTest(function.attr, operand, argument, self.position(node))
        if (
            isinstance(function, ast.Attribute)
            and isinstance(function.value, ast.Name)
            and function.value.id == "re"
        ):
            if function.attr not in ("match", "search"):
                raise self.fail(
                    "only re.match(pattern, field) and re.search(pattern, field) are allowed",
                    node,
                )
            pattern = self.string_argument(node, 0, 2)
            self.check_regex(pattern, node)
            operand = self.text_operand(node.args[1], depth + 1)
            return StringTest(
                f"re.{function.attr}", operand, pattern, self.position(node)
            )
        return None

    def string_argument(self, node: ast.Call, index: int, count: int) -> str:
        if len(node.args) != count:
            raise self.fail(
                f"this call takes {count} argument{'s' if count > 1 else ''}", node
            )
        argument = node.args[index]
        if not isinstance(argument, ast.Constant) or not isinstance(
            argument.value, str
        ):
            raise self.fail("this argument must be a string literal", argument)
        if len(argument.value) > MAX_STRING:
            raise self.fail(f"strings are limited to {MAX_STRING} characters", argument)
        return argument.value

    def check_regex(self, pattern: str, node: ast.Call) -> None:
        where = node.args[0]
        if len(pattern) > MAX_REGEX:
            raise self.fail(
                f"regular expressions are limited to {MAX_REGEX} characters", where
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # FutureWarning on "[[", say
                re.compile(pattern)  # the language is Python's: its syntax first
        except (re.error, RecursionError, OverflowError) as error:
            raise self.fail(f"invalid regular expression: {error}", where) from error
        problem = pattern_problem(pattern)
        if problem:
            raise self.fail(problem, where)
        # Flags and named groups read differently in PostgreSQL's engine.
        if "(?" in pattern.replace("(?:", ""):
            raise self.fail(
                "only (?:…) groups are allowed in patterns, not flags or named groups",
                where,
            )

    def text_operand(self, node: ast.AST, depth: int) -> object:
        operand = self.operand(node, depth)
        if isinstance(operand, Literal):
            raise self.fail(
                "this method applies to a run field, not to a literal", node
            )
        if isinstance(operand, Field) and operand.kind != "text":
            raise self.fail(f"{operand.subject}.{operand.name} is not text", node)
        if isinstance(operand, Metric):
            raise self.fail("metric values are numbers, not text", node)
        if isinstance(operand, DatePart):
            raise self.fail(
                f"this is a number; for text write "
                f'run.{operand.column}.strftime("%Y-%m-%d")',
                node,
            )
        return operand

    # -- operands ------------------------------------------------------------

    def operand(self, node: ast.AST, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise self.fail(f"the query is nested deeper than {MAX_DEPTH} levels", node)
        position = self.position(node)
        if isinstance(node, ast.Constant | ast.List | ast.Tuple | ast.UnaryOp):
            return Literal(self.literal(node, depth), position)
        if isinstance(node, ast.Call):
            return self.call_operand(node, depth)
        if isinstance(node, ast.Dict):
            return Literal(self.context_literal(node, depth), position)
        if isinstance(node, ast.Name):
            if node.id == "run":
                raise self.fail(
                    "name a field of the run, e.g. run.name or run.hparams.lr", node
                )
            if node.id in SEQUENCE_SUBJECTS:
                subject = self.sequence_subject(node)
                raise self.fail(
                    f"name a field of the {subject.name}: {subject.field_names}", node
                )
            if node.id in (
                "None",
                "True",
                "False",
            ):  # pragma: no cover - Constant in py3.8+
                return Literal(None, position)
            raise self.fail(
                f"unknown name {node.id!r}; queries start with "
                f"{' or '.join(f'{name}.' for name in sorted(self.subjects))}",
                node,
            )
        if isinstance(node, ast.Attribute | ast.Subscript):
            return self.run_access(node, depth)
        if isinstance(node, ast.BinOp):
            error = self.fail(
                "arithmetic and bitwise operators (+ - * / % ** >> << & | ^) are not allowed",
                node,
            )
            end = self._encoded[: node.left.end_col_offset or 0].decode(errors="ignore")
            error.position = self.shift + len(end) + 1
            raise error
        what = _NODE_NAMES.get(type(node), type(node).__name__)
        raise self.fail(f"{what} is not allowed here. {ALLOWED}", node)

    def call_operand(self, node: ast.Call, depth: int) -> object:
        function = node.func
        if node.keywords:
            raise self.fail("keyword arguments are not allowed", node)
        is_datetime = (
            isinstance(function, ast.Name) and function.id == "datetime"
        ) or (
            isinstance(function, ast.Attribute)
            and function.attr == "datetime"
            and isinstance(function.value, ast.Name)
            and function.value.id == "datetime"
        )
        if is_datetime:
            return Literal(self.datetime_literal(node), self.position(node))
        if isinstance(function, ast.Attribute) and function.attr in (
            *DATE_METHODS,
            "strftime",
        ):
            return self.date_method(node, function, depth)
        if isinstance(function, ast.Attribute) and function.attr in TRANSFORMS:
            if node.args:
                raise self.fail(f".{function.attr}() takes no arguments", node)
            operand = self.text_operand(function.value, depth + 1)
            return Transform(function.attr, operand, self.position(node))
        if isinstance(function, ast.Attribute) and function.attr in STRING_METHODS:
            raise self.fail(f".{function.attr}() is a condition, not a value", node)
        raise self.fail(f"this function call is not allowed. {ALLOWED}", node)

    def date_method(self, node: ast.Call, function: ast.Attribute, depth: int):
        """run.created_at.weekday() / .isoweekday() / .strftime("…")."""
        operand = self.operand(function.value, depth + 1)
        if not (isinstance(operand, Field) and operand.kind == "datetime"):
            raise self.fail(
                f".{function.attr}() applies to a run's datetime, e.g. run.created_at",
                node,
            )
        if function.attr in DATE_METHODS:
            if node.args:
                raise self.fail(f".{function.attr}() takes no arguments", node)
            return DatePart(operand.name, function.attr, self.position(node))
        form = self.string_argument(node, 0, 1)
        self.check_strftime(form, node.args[0])
        return DateFormat(operand.name, form, self.position(node))

    def check_strftime(self, form: str, node: ast.AST) -> None:
        """Only the directives both databases write like Python (subjects.STRFTIME)."""
        index = 0
        while index < len(form):
            if form[index] != "%":
                index += 1
                continue
            directive = form[index + 1 : index + 2]
            if directive not in STRFTIME:
                error = self.fail(
                    f"strftime directive %{directive} is not supported; use "
                    + ", ".join(
                        f"%{key} ({meaning})" for key, meaning in STRFTIME.items()
                    ),
                    node,
                )
                # The directive's column inside the string literal (after its quote).
                error.position += 1 + index
                raise error
            index += 2

    def datetime_literal(self, node: ast.Call) -> datetime:
        if not 3 <= len(node.args) <= 6:
            raise self.fail(
                "datetime() takes 3 to 6 integers: year, month, day[, hour, minute, second]",
                node,
            )
        values = []
        for argument in node.args:
            if (
                not isinstance(argument, ast.Constant)
                or type(argument.value) is not int
            ):
                raise self.fail("datetime() arguments must be integers", argument)
            values.append(argument.value)
        try:
            return datetime(*values, tzinfo=UTC)
        except (ValueError, OverflowError) as error:
            raise self.fail(f"invalid datetime: {error}", node) from error

    def literal(self, node: ast.AST, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise self.fail(f"the query is nested deeper than {MAX_DEPTH} levels", node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            value = self.literal(node.operand, depth + 1)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail("a sign can only precede a number", node)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.List | ast.Tuple):
            if len(node.elts) > MAX_LIST:
                raise self.fail(f"lists are limited to {MAX_LIST} items", node)
            items = tuple(self.literal(item, depth + 1) for item in node.elts)
            if any(isinstance(item, tuple) for item in items):
                raise self.fail("lists of lists are not allowed", node)
            return items
        if isinstance(node, ast.Call):
            operand = self.call_operand(node, depth)
            if isinstance(operand, Literal):
                return operand.value
        raise self.fail("lists may hold only numbers, strings, booleans and None", node)

    def constant(self, node: ast.Constant) -> object:
        value = node.value
        if value is None or isinstance(value, bool | str):
            if isinstance(value, str) and len(value) > MAX_STRING:
                raise self.fail(f"strings are limited to {MAX_STRING} characters", node)
            return value
        if isinstance(value, int):
            if abs(value) > MAX_INT:
                raise self.fail("this integer is too large", node)
            return value
        if isinstance(value, float):
            if math.isnan(value):
                raise self.fail("NaN cannot be compared", node)
            return value
        raise self.fail(f"{type(value).__name__} literals are not allowed", node)

    def run_access(self, node: ast.AST, depth: int) -> object:
        """Unwind run.a["b", "c"].d into a list of keys, then decide what it names."""
        steps: list[tuple[object, ast.AST]] = []
        current = node
        while isinstance(current, ast.Attribute | ast.Subscript):
            if len(steps) > MAX_PATH + 2:
                raise self.fail(f"paths are limited to {MAX_PATH} keys", node)
            if isinstance(current, ast.Attribute):
                is_system_params = (
                    current.attr == SYSTEM_PARAMS
                    and isinstance(current.value, ast.Name)
                    and current.value.id == "run"
                )
                if current.attr.startswith("_") and not is_system_params:
                    raise self.fail(
                        "attribute names starting with _ are not allowed; "
                        "system params are run.__system_params.key",
                        current,
                    )
                steps.append(((current.attr,), current))
            else:
                steps.append((self.subscript_keys(current, depth), current))
            current = current.value
        if isinstance(current, ast.Name) and current.id in SEQUENCE_SUBJECTS:
            steps.reverse()
            return self.sequence_access(self.sequence_subject(current), steps, node)
        if not (isinstance(current, ast.Name) and current.id == "run"):
            if isinstance(current, ast.Name) and current.id == "re":
                raise self.fail(
                    "re.match(pattern, field) and re.search(pattern, field) are conditions",
                    node,
                )
            readable = " or ".join(f"`{name}`" for name in sorted(self.subjects))
            raise self.fail(
                f"only fields of {readable} can be read. {ALLOWED}", current
            )
        steps.reverse()
        first_keys, first_node = steps[0]
        is_attribute = isinstance(first_node, ast.Attribute)
        position = self.position(node)
        if is_attribute and first_keys[0] == "metrics":
            return self.metric(steps, node)
        if is_attribute and first_keys[0] in FIELDS:
            name = first_keys[0]
            column, kind = FIELDS[name]
            if kind == "datetime" and len(steps) > 1:
                return self.date_part(name, column, steps, node)
            if len(steps) > 1:
                raise self.fail(f"run.{name} has no attributes or keys", steps[1][1])
            if column == "archived":
                self.mentions_archived = True
            return Field(column, kind, position)
        path: list[str | int] = []
        for keys, _step in steps:
            path.extend(keys)
        if len(path) > MAX_PATH:
            raise self.fail(f"paths are limited to {MAX_PATH} keys", node)
        if path[0] == SYSTEM_PARAMS:
            return Param("meta", tuple(path), position)
        return Param("params", tuple(path), position)

    def date_part(self, name: str, column: str, steps: list, node: ast.AST) -> DatePart:
        """run.created_at.month and the like (year, day, hour, minute, second)."""
        keys, step = steps[1]
        if (
            len(steps) > 2
            or not isinstance(step, ast.Attribute)
            or keys[0] not in DATE_PARTS
        ):
            raise self.fail(
                f"run.{name} has the attributes {', '.join(DATE_PARTS)} and the "
                'methods weekday(), isoweekday(), strftime("%Y-%m-%d")',
                step,
            )
        return DatePart(column, keys[0], self.position(node))

    def sequence_subject(self, node: ast.Name) -> SequenceSubject:
        """The subject a name refers to, refused where this search does not read it."""
        subject = SEQUENCE_SUBJECTS[node.id]
        if subject.name not in self.subjects:
            raise QueryError(
                f"`{subject.name}.*` reads {subject.describes}: "
                f"use the {subject.explorer}",
                self.position(node),
                subject=subject.name,
            )
        self.reads.add(subject.name)
        return subject

    def sequence_access(
        self, subject: SequenceSubject, steps: list, node: ast.AST
    ) -> object:
        """metric.name, metric.last…, metric.context, metric.context.subset,
        metric.context["subset"]."""
        keys, first = steps[0]
        attribute = keys[0] if isinstance(first, ast.Attribute) else None
        kind = subject.fields.get(attribute)
        if kind is None:
            raise self.fail(f"{subject.name} fields are {subject.field_names}", first)
        position = self.position(node)
        if kind != "context":
            if len(steps) > 1:
                raise self.fail(
                    f"{subject.name}.{attribute} has no attributes or keys",
                    steps[1][1],
                )
            return Field(attribute, kind, position, subject=subject.name)
        path: list[str] = []
        for keys, step in steps[1:]:
            for key in keys:
                if not isinstance(key, str):
                    raise self.fail(
                        f"{subject.name}.context keys are strings, "
                        f'e.g. {subject.name}.context["subset"]',
                        getattr(step, "slice", step),
                    )
                path.append(key)
        if len(path) > MAX_PATH:
            raise self.fail(f"paths are limited to {MAX_PATH} keys", node)
        return Param("context", tuple(path), position, subject=subject.name)

    def subscript_keys(self, node: ast.Subscript, depth: int) -> tuple:
        index = node.slice
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        if not items:
            raise self.fail("empty subscript", node)
        keys: list[object] = []
        for item in items:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                if (
                    not item.value
                    or len(item.value) > 200
                    or '"' in item.value
                    or "\\" in item.value
                ):
                    raise self.fail(
                        "keys must be 1-200 characters without quotes or backslashes",
                        item,
                    )
                keys.append(item.value)
            elif (
                isinstance(item, ast.Constant)
                and type(item.value) is int
                and 0 <= item.value < 100_000
            ):
                keys.append(item.value)
            elif isinstance(item, ast.Dict):
                keys.append(self.context_literal(item, depth))
            else:
                raise self.fail(
                    "subscripts must be string keys (or a context dict for metrics)",
                    item,
                )
        return tuple(keys)

    def context_literal(self, node: ast.Dict, depth: int) -> dict:
        context = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                raise self.fail("context keys must be strings", node)
            literal = self.literal(value, depth + 1)
            if isinstance(literal, tuple | datetime | date):
                raise self.fail(
                    "context values must be strings, numbers, booleans or None", value
                )
            context[key.value] = literal
        return context

    def metric(self, steps: list, node: ast.AST) -> Metric:
        if (
            len(steps) != 3
            or not isinstance(steps[1][1], ast.Subscript)
            or not isinstance(steps[2][1], ast.Attribute)
        ):
            raise self.fail(
                'write run.metrics["name"].last or run.metrics["name", {"subset": "val"}].min',
                node,
            )
        keys = steps[1][0]
        name = keys[0]
        context = keys[1] if len(keys) > 1 else {}
        if not isinstance(name, str) or not isinstance(context, dict) or len(keys) > 2:
            raise self.fail(
                "run.metrics[...] takes a name and an optional context dict",
                steps[1][1],
            )
        attribute = steps[2][0][0]
        if attribute not in METRIC_ATTRIBUTES:
            raise self.fail(
                f"metric summaries are {', '.join(METRIC_ATTRIBUTES)}", steps[2][1]
            )
        context_at = -1
        if len(keys) == 1:
            end = steps[1][1].slice.end_col_offset or 0
            context_at = self.shift + len(self._encoded[:end].decode(errors="ignore"))
        return Metric(name, context, attribute, self.position(node), context_at)


def parse(text: str, subjects: frozenset[str] | set[str] = RUN_ONLY) -> ParsedQuery:
    """Parse a query; an empty query matches every (non-archived) run.

    subjects: what the caller searches, "run" plus at most one sequence subject
    ("metric"); naming another sequence subject is an error that says which
    explorer reads it.
    """
    subjects = frozenset(subjects)
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_LENGTH:
        raise QueryError(
            f"the query is longer than {MAX_LENGTH} characters", MAX_LENGTH
        )
    problem = text_problem(text)
    if problem:
        raise QueryError(f"the query {problem}")
    # One line, so ast column offsets are positions in the text the user sees.
    flat = re.sub(r"[\r\n\t\f\v]", " ", text)
    if not flat.strip():
        return ParsedQuery(text, Constant(True, 0))
    stripped = flat.lstrip()
    shift = len(flat) - len(stripped)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "invalid decimal literal" warnings
            tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        offset = error.offset - 1 if error.offset else len(stripped)
        if error.lineno and error.lineno > 1:
            offset = len(stripped)
        raise QueryError(
            f"syntax error: {error.msg}", min(shift + offset, len(flat))
        ) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise QueryError(
            "the query cannot be parsed (too deeply nested or invalid characters)"
        ) from None
    parser = _Parser(stripped, shift, subjects)
    # Escapes make any text ("\x00", "\ud800"): no string literal, wherever it
    # stands, may hold what no database can compare.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            problem = text_problem(node.value)
            if problem:
                raise parser.fail(f"this string {problem}", node)
    try:
        root = parser.predicate(tree.body, 0)
    except RecursionError:
        raise QueryError(
            f"the query is nested deeper than {MAX_DEPTH} levels"
        ) from None
    return ParsedQuery(text, root, parser.mentions_archived, frozenset(parser.reads))


def to_datetime(value: object) -> datetime | None:
    """A datetime literal, an ISO date(time) string or epoch seconds -> aware datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (ValueError, OverflowError, OSError):
            return None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
            if parsed is None:
                day = parse_date(value)
                parsed = datetime(day.year, day.month, day.day) if day else None
        except ValueError:
            return None
        if parsed is None:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
