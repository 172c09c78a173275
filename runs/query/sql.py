"""Vendor-specific SQL pieces of the run-query compiler (SQLite and PostgreSQL).

JSON params must compare by JSON type (a number only with numbers, text only
with text), identically on both databases, so typed reads of a JSON path are
small expressions with one template per vendor. `{0}`, `{1}`… stand for the
compiled source expressions; the path is passed as a query parameter.
"""

import re

from django.db.models import (
    BigIntegerField,
    BooleanField,
    DateTimeField,
    F,
    FloatField,
    Func,
    TextField,
    Value,
)

_PLACEHOLDER = re.compile(r"\{(\d+)\}|\{path\}")


class VendorSQL(Func):
    """A Func whose SQL comes from `templates[vendor]` with {n} and {path} holes."""

    templates: dict[str, str] = {}
    path: tuple = ()

    def __init__(self, *expressions, path: tuple = (), output_field=None):
        super().__init__(
            *expressions, output_field=output_field or self.output_field_class()
        )
        self.path = path

    output_field_class = FloatField

    def _path_param(self, vendor: str) -> object:
        if vendor == "sqlite":
            parts = ["$"]
            for key in self.path:
                parts.append(f"[{key}]" if isinstance(key, int) else f'."{key}"')
            return "".join(parts)
        return [str(key) for key in self.path]

    def as_sql(self, compiler, connection, **extra_context):
        vendor = connection.vendor
        template = self.templates.get(vendor)
        if template is None:
            raise NotImplementedError(f"run queries do not support {vendor}")
        compiled = [
            compiler.compile(expression) for expression in self.get_source_expressions()
        ]
        params: list = []

        def substitute(match: re.Match) -> str:
            if match.group(1) is None:
                params.append(self._path_param(vendor))
                return "%s::text[]" if vendor == "postgresql" else "%s"
            sql, expression_params = compiled[int(match.group(1))]
            params.extend(expression_params)
            return f"({sql})"

        return _PLACEHOLDER.sub(substitute, template), params


def _json_templates(sqlite: str, postgresql: str) -> dict[str, str]:
    return {"sqlite": sqlite, "postgresql": postgresql}


class JsonNumber(VendorSQL):
    """The number at path, NULL when missing or not a number (booleans excluded)."""

    output_field_class = FloatField
    templates = _json_templates(
        "CASE WHEN json_type({0}, {path}) IN ('integer', 'real') THEN json_extract({0}, {path}) END",
        "CASE WHEN jsonb_typeof({0} #> {path}) = 'number' THEN ({0} #>> {path})::double precision END",
    )


class JsonText(VendorSQL):
    """The string at path, NULL when missing or not a string."""

    output_field_class = TextField
    templates = _json_templates(
        "CASE WHEN json_type({0}, {path}) = 'text' THEN json_extract({0}, {path}) END",
        "CASE WHEN jsonb_typeof({0} #> {path}) = 'string' THEN ({0} #>> {path}) END",
    )


class JsonBool(VendorSQL):
    """True/False for a JSON boolean at path, NULL otherwise."""

    output_field_class = BooleanField
    templates = _json_templates(
        "CASE json_type({0}, {path}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END",
        "CASE WHEN jsonb_typeof({0} #> {path}) = 'boolean' THEN ({0} #>> {path})::boolean END",
    )


class JsonIsNone(VendorSQL):
    """Missing or JSON null: what Python sees as None."""

    output_field_class = BooleanField
    templates = _json_templates(
        "COALESCE(json_type({0}, {path}), 'null') = 'null'",
        "COALESCE(jsonb_typeof({0} #> {path}), 'null') = 'null'",
    )


class JsonTruthy(VendorSQL):
    """Python truthiness of the value at path (None, False, 0, "", [], {} are false)."""

    output_field_class = BooleanField
    templates = _json_templates(
        "COALESCE(CASE json_type({0}, {path})"
        " WHEN 'true' THEN 1"
        " WHEN 'integer' THEN json_extract({0}, {path}) != 0"
        " WHEN 'real' THEN json_extract({0}, {path}) != 0"
        " WHEN 'text' THEN json_extract({0}, {path}) != ''"
        " WHEN 'array' THEN json_array_length({0}, {path}) > 0"
        " WHEN 'object' THEN json_extract({0}, {path}) != '{}'"
        " ELSE 0 END, 0)",
        "COALESCE(CASE jsonb_typeof({0} #> {path})"
        " WHEN 'boolean' THEN ({0} #>> {path}) = 'true'"
        " WHEN 'number' THEN ({0} #>> {path})::double precision != 0"
        " WHEN 'string' THEN ({0} #>> {path}) != ''"
        " WHEN 'array' THEN jsonb_array_length({0} #> {path}) > 0"
        " WHEN 'object' THEN ({0} #> {path}) != '{}'::jsonb"
        " ELSE false END, false)",
    )


class JsonTypeRank(VendorSQL):
    """Sort rank of the value's type: numbers, then strings, then booleans, then the rest."""

    output_field_class = FloatField
    templates = _json_templates(
        "CASE json_type({0}, {path}) WHEN 'integer' THEN 0 WHEN 'real' THEN 0"
        " WHEN 'text' THEN 1 WHEN 'true' THEN 2 WHEN 'false' THEN 2 WHEN 'null' THEN 4"
        " WHEN 'array' THEN 3 WHEN 'object' THEN 3 ELSE 4 END",
        "CASE jsonb_typeof({0} #> {path}) WHEN 'number' THEN 0 WHEN 'string' THEN 1"
        " WHEN 'boolean' THEN 2 WHEN 'array' THEN 3 WHEN 'object' THEN 3 ELSE 4 END",
    )


class BinaryText(VendorSQL):
    """Text in code-point order (Python's), whatever the database collation."""

    output_field_class = TextField
    templates = {"sqlite": "{0}", "postgresql": '{0} COLLATE "C"'}


class NotNaN(VendorSQL):
    """NaN as NULL: PostgreSQL orders NaN above every number, Python never matches it."""

    output_field_class = FloatField
    templates = {"sqlite": "{0}", "postgresql": "NULLIF({0}, 'NaN'::double precision)"}


class IsNumber(VendorSQL):
    """A float column holding a number: neither NULL nor NaN (SQLite stores NaN
    as NULL). A test beside the bare column, not NULLIF around it, so that
    PostgreSQL's planner reads the column's statistics for the comparison."""

    output_field_class = BooleanField
    templates = {
        "sqlite": "{0} IS NOT NULL",
        "postgresql": "{0} <> 'NaN'::double precision",
    }


class NoIndex(VendorSQL):
    """A column SQLite's planner may not look up through an index (the unary +
    idiom): `+id IN (list)` is tested on each row of the scan in the query's
    order, where a bare `id IN (list)` would fetch every listed run and sort
    them all to find the first page. PostgreSQL's planner weighs both itself."""

    output_field_class = BigIntegerField
    templates = {"sqlite": "+{0}", "postgresql": "{0}"}


class Contains(VendorSQL):
    """Case-sensitive substring test on both databases (LIKE is not, on SQLite)."""

    output_field_class = BooleanField
    templates = {"sqlite": "instr({0}, {1}) > 0", "postgresql": "strpos({0}, {1}) > 0"}


class DurationSeconds(VendorSQL):
    """Run.duration in seconds: (finished_at, or now when active, else updated_at) - created_at."""

    output_field_class = FloatField
    templates = {
        # julianday() is a double of ~2.46e6 days: differences carry ~1e-4 s of
        # noise, so round to milliseconds to keep whole-second boundaries exact.
        "sqlite": "MAX(ROUND((julianday(COALESCE({0}, CASE WHEN {1} = 'active' THEN {4} ELSE {2} END))"
        " - julianday({3})) * 86400.0, 3), 0)",
        "postgresql": "GREATEST(EXTRACT(EPOCH FROM (COALESCE({0}, CASE WHEN {1} = 'active'"
        " THEN {4} ELSE {2} END) - {3}))::double precision, 0)",
    }

    def __init__(self, now, prefix: str = ""):
        """prefix: the path to the run from the queried model ("run__" from a series)."""
        super().__init__(
            F(f"{prefix}finished_at"),
            F(f"{prefix}status"),
            F(f"{prefix}updated_at"),
            F(f"{prefix}created_at"),
            Value(now, output_field=DateTimeField()),
        )


class StrfTime(Func):
    """A datetime column written as text in UTC, like Python's strftime, for the
    directives of runs.query.subjects.STRFTIME (the parser refuses others):
    SQLite's strftime() reads them as Python does; PostgreSQL's to_char() gets
    them translated, with the text between them quoted."""

    output_field = TextField()
    _POSTGRESQL = {
        "Y": "YYYY",
        "m": "MM",
        "d": "DD",
        "H": "HH24",
        "M": "MI",
        "S": "SS",
        "j": "DDD",
    }

    def __init__(self, expression, form: str):
        super().__init__(expression)
        self.form = form

    def postgresql_format(self) -> str:
        parts: list[str] = []
        literal: list[str] = []

        def flush() -> None:
            if literal:
                text = "".join(literal).replace("\\", "\\\\").replace('"', '\\"')
                parts.append(f'"{text}"')
                literal.clear()

        index = 0
        while index < len(self.form):
            char = self.form[index]
            if char == "%" and self.form[index + 1 : index + 2] in self._POSTGRESQL:
                flush()
                parts.append(self._POSTGRESQL[self.form[index + 1]])
                index += 2
                continue
            if char == "%":  # "%%" (the parser allows no other): a literal %
                index += 1
            literal.append(self.form[index])
            index += 1
        flush()
        return "".join(parts)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "sqlite":
            return f"strftime(%s, {sql})", [self.form, *params]
        if connection.vendor == "postgresql":
            return (
                f"to_char(({sql}) AT TIME ZONE 'UTC', %s)",
                [*params, self.postgresql_format()],
            )
        raise NotImplementedError(f"run queries do not support {connection.vendor}")
