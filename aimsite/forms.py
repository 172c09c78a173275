from django import forms
from django.contrib.auth.forms import UserCreationForm


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"placeholder": "e.g. laptop, CI, cluster"}),
    )


class SignUpForm(UserCreationForm):
    pass
