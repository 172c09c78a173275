"""A page's entry module: its bundle once static files are collected, else the module.

    {% load page_modules %}
    {% page_module "runs/js/run_detail.js" %}        <script type="module" src="…">
    {% if not "runs/js/run_detail.js"|is_bundled %}   modulepreload links, which
      <link rel="modulepreload" …>                    only the module graph needs
    {% endif %}

See aimsite/page_bundles.py.
"""

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from django.utils.html import format_html

from aimsite import page_bundles

register = template.Library()


@register.filter
def is_bundled(entry: str) -> bool:
    """Whether the collected static files hold this entry's bundle."""
    if entry not in page_bundles.ENTRIES:
        raise template.TemplateSyntaxError(
            f"{entry!r} is not a page entry: list it in aimsite/page_bundles.py ENTRIES"
        )
    hashed = getattr(staticfiles_storage, "hashed_files", None) or {}
    return page_bundles.bundle_name(entry) in hashed


@register.simple_tag
def page_module(entry: str) -> str:
    name = page_bundles.bundle_name(entry) if is_bundled(entry) else entry
    return format_html('<script type="module" src="{}"></script>', static(name))
