from urllib.parse import urlencode

from django import template
from django.urls import reverse

from experiments.stats import run_progress

register = template.Library()


@register.filter
def explorer_url(query: str) -> str:
    """The runs explorer with `query` already in its search bar."""
    return f"{reverse('runs:list')}?{urlencode({'q': query})}"


@register.simple_tag
def progress_of(run) -> dict:
    return run_progress(run)


@register.filter
def plural_runs(count: int) -> str:
    return f"{count} run{'' if count == 1 else 's'}"
