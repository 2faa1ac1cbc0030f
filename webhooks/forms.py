from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from webhooks.models import EventType
from webhooks.services import validate_endpoint_url


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2048,
        help_text="Where the events are POSTed: an https URL of a public server.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/badges"}),
    )
    events = forms.MultipleChoiceField(
        label="Events", choices=EventType.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            return validate_endpoint_url(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
