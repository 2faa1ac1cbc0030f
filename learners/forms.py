from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from badges.languages import language_choices


class SignInRequestForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("The address your credentials were sent to. We e-mail you a link that signs you in."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class OnOffForm(forms.Form):
    """One yes/no choice posted by a button: `value` is "on" or "off"."""

    value = forms.ChoiceField(choices=[("on", "on"), ("off", "off")])

    @property
    def is_on(self) -> bool:
        return self.cleaned_data["value"] == "on"


class LanguageForm(forms.Form):
    """The language e-mails to the learner are written in (D52)."""

    language = forms.ChoiceField(label=_("Language of our e-mails to you"), choices=language_choices)
