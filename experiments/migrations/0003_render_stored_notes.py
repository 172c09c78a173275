"""Render the notes saved before their HTML was stored.

Uses the same bounded renderer as saving. A note refused as too complex is
stored as escaped plain text under an explanation, so its page stays readable
and fast until someone edits it.
"""

from html import escape

from django.db import migrations


def _fallback_html(notes: str, reason: str) -> str:
    return (
        f'<p class="muted"><em>{escape(reason)} Shown as plain text until the '
        f"notes are edited.</em></p><pre>{escape(notes)}</pre>"
    )


def render_notes(apps, schema_editor):
    from experiments.markdown import MarkdownRefused, RendererBusy, render_markdown

    Experiment = apps.get_model("experiments", "Experiment")
    for experiment in Experiment.objects.exclude(notes="").only("id", "notes"):
        try:
            html = render_markdown(experiment.notes)
        except MarkdownRefused as error:
            html = _fallback_html(experiment.notes, " ".join(error.messages))
        except RendererBusy as error:
            html = _fallback_html(experiment.notes, str(error))
        Experiment.objects.filter(pk=experiment.pk).update(notes_html=html)


class Migration(migrations.Migration):
    dependencies = [("experiments", "0002_experiment_notes_html")]

    operations = [migrations.RunPython(render_notes, migrations.RunPython.noop)]
