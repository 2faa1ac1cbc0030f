from __future__ import annotations

from django import forms


class SignInRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your e-mail address",
        max_length=254,
        help_text="The address your credentials were sent to. We e-mail you a link that signs you in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class OnOffForm(forms.Form):
    """One yes/no choice posted by a button: `value` is "on" or "off"."""

    value = forms.ChoiceField(choices=[("on", "on"), ("off", "off")])

    @property
    def is_on(self) -> bool:
        return self.cleaned_data["value"] == "on"
