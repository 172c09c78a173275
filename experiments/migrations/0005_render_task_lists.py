"""Render stored notes again, so task lists (`- [x] done`) saved before they were
supported show as checkboxes. The same pass as 0003 (bounded renderer, plain-text
fallback for a note refused as too complex)."""

from importlib import import_module

from django.db import migrations

render_notes = import_module("experiments.migrations.0003_render_stored_notes").render_notes


class Migration(migrations.Migration):
    dependencies = [("experiments", "0004_experiment_pin")]

    operations = [migrations.RunPython(render_notes, migrations.RunPython.noop)]
