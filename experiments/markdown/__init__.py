"""Experiment notes: Markdown rendered and sanitised on the server, in one place.

Saving notes renders them once and stores the HTML beside the text
(experiments.services.save_notes); pages and the API serve the stored HTML. The
editor's preview calls the same `render_markdown`, so what a user previews is
exactly what everyone else will see, and it has the same time bound: the text is
rendered in a separate process that is killed past the budget (renderer.py),
after a linear pre-pass that defuses the common quadratic inputs (defuse.py).
"""

from experiments.markdown.renderer import MarkdownRefused, RendererBusy, render_markdown

MAX_NOTES_LENGTH = 100_000

__all__ = ["MAX_NOTES_LENGTH", "MarkdownRefused", "RendererBusy", "render_markdown"]
