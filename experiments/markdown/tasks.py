"""Task lists, as GitHub writes them: a list item starting with `[ ]` or `[x]`
becomes a disabled checkbox (`<input type="checkbox" disabled>`, checked for
`[x]` or `[X]`) in a `<li class="task-list-item">`. The sanitiser keeps only
that: every `<input>` it lets through is made a disabled checkbox.
"""

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.treeprocessors import Treeprocessor

_MARKER = re.compile(r"\[([ xX])\](?:\s+|$)")


class _TaskListProcessor(Treeprocessor):
    def run(self, root: etree.Element) -> None:
        for item in root.iter("li"):
            # A loose list wraps the item's text in a paragraph.
            holder = item[0] if len(item) and item[0].tag == "p" else item
            match = _MARKER.match(holder.text or "")
            if not match:
                continue
            box = etree.Element("input", {"type": "checkbox", "disabled": "disabled"})
            if match.group(1) != " ":
                box.set("checked", "checked")
            box.tail = holder.text[match.end() :]
            holder.text = None
            holder.insert(0, box)
            item.set("class", "task-list-item")


class TaskListExtension(Extension):
    def extendMarkdown(self, md) -> None:
        # After inline processing (priority 20), so the item's text is final.
        md.treeprocessors.register(_TaskListProcessor(md), "task_list", 1)
