"""Forms of an award's later life on the issuer's pages: renew it, correct it (badges.lifecycle, D64)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from badges.forms_awards import DATETIME_WIDGET_FORMAT, AchievementChoiceField
from badges.lifecycle import renewal_default_until
from badges.models import Achievement, Credential

DATE_ERRORS = {
    "required": _("Enter the date and time the renewed credential ends."),
    "invalid": _("Enter a date and time, like 2030-01-31 09:00."),
}


class RenewForm(forms.Form):
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_WIDGET_FORMAT),
        error_messages=DATE_ERRORS,
        help_text=_("In UTC. Later than the current end; suggested: one more validity period."),
    )

    def __init__(self, *args: Any, credential: Credential, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential = credential
        self.fields["valid_until"].initial = renewal_default_until(credential)

    def clean_valid_until(self) -> Any:
        value = self.cleaned_data["valid_until"]
        if value <= timezone.now():
            raise forms.ValidationError(gettext("This date has passed: the credential would be expired at once."))
        return value


class CorrectForm(forms.Form):
    name = forms.CharField(
        label=_("Recipient name"),
        required=False,
        max_length=200,
        help_text=_("As it should read in the credential. Empty: no name."),
    )
    achievement = AchievementChoiceField(
        queryset=Achievement.objects.none(),
        label=_("Achievement"),
        error_messages={
            "required": _("Choose the achievement the credential should name."),
            "invalid_choice": _("Choose one of this issuer's current achievements."),
        },
        help_text=_("The replacement carries the achievement's current version."),
    )

    def __init__(self, *args: Any, credential: Credential, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.credential = credential
        cast(forms.ModelChoiceField, self.fields["achievement"]).queryset = Achievement.objects.filter(
            issuer_id=credential.issuer_id, archived=False
        )
        self.fields["name"].initial = credential.recipient_name
        self.fields["achievement"].initial = credential.achievement_id
