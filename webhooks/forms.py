from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from webhooks.models import EventType
from webhooks.services import validate_endpoint_url

# Each event as the pages name it, in the reader's language; the event names themselves (the values) are what a
# receiver reads and never change.
EVENT_LABELS: dict[str, Promise] = {
    EventType.CREDENTIAL_ISSUED: pgettext_lazy("webhook event", "A credential was issued"),
    EventType.CREDENTIAL_REVOKED: pgettext_lazy("webhook event", "A credential was revoked"),
    EventType.CREDENTIAL_SUSPENDED: pgettext_lazy("webhook event", "A credential was suspended"),
    EventType.CREDENTIAL_UNSUSPENDED: pgettext_lazy("webhook event", "A suspended credential was reinstated"),
    EventType.BULK_FINISHED: pgettext_lazy("webhook event", "A bulk job finished"),
    EventType.STACKING_COMPLETED: pgettext_lazy("webhook event", "A stacking rule awarded its credential"),
}


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2048,
        help_text=_("Where the events are POSTed: an https URL of a public server."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/badges"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(value, EVENT_LABELS.get(value, label)) for value, label in EventType.choices],
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            return validate_endpoint_url(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
