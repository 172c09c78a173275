"""A linear pre-pass that takes Python-Markdown's common quadratic cases away.

Python-Markdown scans forward from every `[` for its closing `]`, and the standard
library's HTML parser scans forward from every `<` that looks like a tag for its
`>`. A note made of thousands of unmatched or deeply nested brackets, or of
unclosed tags, therefore costs time growing with the square of its size. This pass
swaps exactly those characters for private-use placeholders, which Markdown treats
as plain text, and `restore` puts the characters back into the rendered HTML:

- a `[` with no matching `]` (it cannot start a link anyway);
- a matched `[ ]` pair holding more than MAX_BRACKET_DEPTH - 1 levels of pairs
  inside it: the innermost pairs, where links and images are, stay intact;
- a `<` with no `>` before the next `<` (it cannot be a tag), except in a
  comment opener `<!--`.

A position then lies inside at most MAX_BRACKET_DEPTH kept pairs, so Markdown's
bracket scans read the text a bounded number of times, and each tag scan stops at
the next `<`. Escaped brackets (`\\[`) are skipped as Markdown skips them. Known
difference: raw HTML that Markdown would swallow as a malformed tag (a `<` whose
`>` comes only after another `<`, as in a quoted attribute value holding `<`)
is shown as text instead. Other slow patterns (long runs of emphasis, unclosed link targets) are left
to the renderer's time budget (experiments/markdown/renderer.py).
"""

import re

MAX_BRACKET_DEPTH = 4

OPEN_BRACKET = "\ue000"
CLOSE_BRACKET = "\ue001"
OPEN_ANGLE = "\ue002"
_PLACEHOLDERS = re.compile("[\ue000-\ue002]")

# Python-Markdown's backslash escapes (Markdown.ESCAPED_CHARS): an escaped bracket
# never takes part in a link, and `\\` escapes the backslash itself.
_TOKEN = re.compile(r"\\[\\`*_{}\[\]()>#+\-.!]|[\[\]]|<!--|<")


def defuse(text: str) -> str:
    """Return `text` with slow-to-parse brackets and angle brackets replaced by
    placeholders; `restore` undoes it on the rendered HTML."""
    # A placeholder typed by the user would come back as a bracket: show it as
    # the replacement character instead.
    text = _PLACEHOLDERS.sub("\ufffd", text)
    replacements: dict[int, str] = {}
    # `[` still waiting for their `]`: [position, height of the tallest pair inside]
    opens: list[list[int]] = []
    next_close_angle = -1  # the next `>` at or after the current `<`, found lazily
    for match in _TOKEN.finditer(text):
        position = match.start()
        token = match.group()
        if token == "[":
            opens.append([position, 0])
        elif token == "]":
            if opens:
                open_position, inner_height = opens.pop()
                height = inner_height + 1
                if height > MAX_BRACKET_DEPTH:
                    replacements[open_position] = OPEN_BRACKET
                    replacements[position] = CLOSE_BRACKET
                if opens:
                    opens[-1][1] = max(opens[-1][1], height)
        elif token == "<":
            if next_close_angle < position:
                found = text.find(">", position)
                next_close_angle = found if found != -1 else len(text)
            # Each search stops at the next `<`, so together they read the text once.
            if (
                next_close_angle == len(text)
                or text.find("<", position + 1, next_close_angle) != -1
            ):
                replacements[position] = OPEN_ANGLE
        # A backslash escape, or a comment opener (parsed in linear time, and an
        # unclosed one hides the rest as Markdown would), is a token of its own
        # and is left as it is.
    for open_position, _ in opens:
        replacements[open_position] = OPEN_BRACKET
    if not replacements:
        return text
    pieces = []
    last = 0
    for position in sorted(replacements):
        pieces.append(text[last:position])
        pieces.append(replacements[position])
        last = position + 1
    pieces.append(text[last:])
    return "".join(pieces)


def restore(html: str) -> str:
    """Put the characters `defuse` replaced back into rendered HTML."""
    return (
        html.replace(OPEN_BRACKET, "[")
        .replace(CLOSE_BRACKET, "]")
        .replace(OPEN_ANGLE, "&lt;")
    )
