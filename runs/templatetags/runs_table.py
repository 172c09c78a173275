"""Formatting for the runs table: cell values and sort indicators."""

import json
import math

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()
MAX_CELL = 80


def format_value(value: object) -> str:
    """A param or metric value as the table (and the CSV export) shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@register.simple_tag
def cell(row, column) -> str:
    text = format_value(row.cells.get(column.id))
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


@register.simple_tag
def param_cells(row, columns) -> str:
    """All param/metric cells of a row in one go: a template loop over 25 columns
    of 50 rows costs more than the rest of the page."""
    parts = []
    for column in columns:
        kind = "col-metric" if column.kind == "metric" else "col-param"
        parts.append(
            f'<td data-col="{escape(column.id)}" class="num {kind}">{escape(cell(row, column))}</td>'
        )
    return mark_safe("".join(parts))


@register.simple_tag
def sort_direction(column_id: str, sort: str) -> str:
    if sort == column_id:
        return "asc"
    if sort == f"-{column_id}":
        return "desc"
    return ""


@register.filter
def json_attr(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


@register.filter
def can_edit_run(run, user) -> str:
    """The row's data-can-edit: "true" for the owner or staff (no query). The tag
    picker and the batch actions of every runs table read this one flag."""
    return "true" if user.is_authenticated and run.can_edit(user) else "false"


@register.simple_tag
def run_tags_json(run) -> str:
    """The row's tags for the tag picker, from the page's prefetch (no query).
    Returned unsafe, so the template escapes it for the data-tags attribute."""
    tags = [
        {"id": tag.id, "name": tag.name, "color": tag.color} for tag in run.tags.all()
    ]
    return json.dumps(tags, separators=(",", ":"), ensure_ascii=False)
