"""Formatting for the runs table: cell values and sort indicators."""

import json

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from aimsite.values import format_cell
from tags.models import visible_chips

register = template.Library()
MAX_CELL = 80


@register.simple_tag
def cell(row, column) -> str:
    text = format_cell(row.cells.get(column.id))
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
    tags = visible_chips(run.tags.all())
    return json.dumps(tags, separators=(",", ":"), ensure_ascii=False)
