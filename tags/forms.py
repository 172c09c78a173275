"""The one validation path for a tag's fields, used by the tags page and the API."""

from django import forms

from tags.models import DEFAULT_TAG_COLOR, TAG_COLORS, Tag

NAME_MAX = Tag._meta.get_field("name").max_length
COMMENT_MAX = Tag._meta.get_field("comment").max_length


class TagForm(forms.ModelForm):
    """Name (required, ≤50, unique ignoring case), comment (≤200), colour from the palette."""

    color = forms.ChoiceField(
        choices=TAG_COLORS,
        initial=DEFAULT_TAG_COLOR,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Pick a colour from the palette (%(value)s is not one)."
        },
    )

    class Meta:
        model = Tag
        fields = ["name", "comment", "color"]
        error_messages = {
            "name": {
                "required": "Give the tag a name.",
                "max_length": f"The name may be at most {NAME_MAX} characters (it has %(show_value)d).",
            },
            "comment": {
                "max_length": f"The comment may be at most {COMMENT_MAX} characters (it has %(show_value)d).",
            },
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the tag a name.")
        others = Tag.objects.filter(name__iexact=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                f'A tag named "{name}" already exists; choose another name.',
                code="duplicate",
            )
        return name

    def validate_unique(self) -> None:
        # clean_name already refuses duplicates (ignoring case) with a clearer message.
        pass

    def first_error(self) -> tuple[str, str]:
        """(field, message) of the first problem, for one-line API errors."""
        for field, errors in self.errors.items():
            return field, errors[0]
        return "", ""
