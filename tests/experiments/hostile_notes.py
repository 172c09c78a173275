"""Notes within the 100,000-character limit that are slow for Python-Markdown.

Shared by tests/experiments/test_notes_rendering.py (each must be rendered or
refused, never stall) and tests/perf/bench_markdown.py (which times them).
"""

HOSTILE_NOTES = {
    "open brackets": "[" * 100_000,
    "nested brackets": "[" * 50_000 + "]" * 50_000,
    "open images": "![" * 50_000,
    "emphasis": "*a" * 50_000,
    "strong emphasis": "**a" * 33_000,
    "backticks": "`" * 100_000,
    "uneven backtick runs": "``a`" * 25_000,
    "angle brackets": "<" * 100_000,
    "unclosed tags": "<a " * 33_000,
    "unclosed autolinks": "<http://" * 12_000,
    "underscores": "_" * 100_000,
    "backslashes": "\\" * 100_000,
    "unclosed link targets": "[a](" * 25_000,
    "nested blockquotes": ">" * 100_000,
    "nested lists": "".join("\t" * depth + "- x\n" for depth in range(440)),
    "long table": "|a|b|\n|-|-|\n" + "|1|2|\n" * 16_000,
}
