from django import forms

from experiments.markdown import MAX_NOTES_LENGTH
from experiments.models import Experiment


class ExperimentForm(forms.ModelForm):
    """Name (required, unique, ≤200) and description; the model supplies the rules."""

    class Meta:
        model = Experiment
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {
                "required": "A name is required.",
                "unique": "An experiment with this name already exists.",
            }
        }


class NotesForm(forms.Form):
    notes = forms.CharField(
        required=False, strip=False, max_length=MAX_NOTES_LENGTH, widget=forms.Textarea
    )
