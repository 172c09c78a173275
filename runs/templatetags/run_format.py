from datetime import timedelta

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m {seconds}s"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


@register.inclusion_tag("runs/_status_badge.html")
def status_badge(run) -> dict:
    status = "archived" if run.is_archived else run.status
    return {"status": status}


@register.filter
def soft_breaks(value: object) -> str:
    """The value as text with a line-break opportunity after each ":" and ","
    (PATH-like lists, URLs, key:value pairs); escaped before the <wbr> go in."""
    return mark_safe(escape(str(value)).replace(":", ":<wbr>").replace(",", ",<wbr>"))
