"""Markdown → sanitised HTML, the pure function the renderer process runs.

Markdown passes raw HTML through, so the sanitiser (nh3, an allow-list) is what
keeps scripts, event handlers and `javascript:` URLs out. The text first goes
through `defuse` so the common pathological inputs render in linear time.
"""

import markdown
import nh3

from experiments.markdown.defuse import defuse, restore
from experiments.markdown.tasks import TaskListExtension

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",  # task lists only: always made a disabled checkbox (sanitise)
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "code": {"class"},  # fenced code: class="language-python"
    "ol": {"start"},
    "input": {"checked"},
}
# Forced on every <input> left in: a task list's checkbox, never a form field.
_SET_ATTRIBUTES = {"input": {"type": "checkbox", "disabled": "disabled"}}
_CLASSES = {"li": {"task-list-item"}}
_URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists", "nl2br", TaskListExtension()]


def markdown_to_html(text: str) -> str:
    """Markdown → sanitised HTML safe to insert in a page, with no time bound."""
    if not text:
        return ""
    html = markdown.markdown(defuse(text), extensions=EXTENSIONS, output_format="html")
    return sanitise(restore(html))


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        set_tag_attribute_values=_SET_ATTRIBUTES,
        allowed_classes=_CLASSES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
