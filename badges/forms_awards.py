"""Forms of the issuer's award pages: award one credential, change its status (the list's filters: badges.filters)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from badges import results as award_results
from badges.languages import language_choices
from badges.models import Achievement, Credential
from badges.services import AwardRequest, CredentialError
from issuer.models import Issuer

FORMAT_CHOICES = [
    ("ldp", _("Data Integrity (recommended: verifiable everywhere, embedded proof)")),
    ("jwt", _("VC-JWT only")),
    ("both", _("Both: Data Integrity and VC-JWT")),
]
REASON_FOR_REVOKING = _("Give a reason for revoking: it is kept in the audit trail.")
DATETIME_WIDGET_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INVALID = _("Enter a date and time, like 2030-01-31 09:00.")
RESULT_PREFIX = "result_"


def new_idempotency_key() -> str:
    """A fresh key for one rendering of the award form: submitting it twice issues once."""
    return secrets.token_urlsafe(24)


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_WIDGET_FORMAT)


class AchievementChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Achievement) -> str:
        if obj.validity_days:
            return ngettext("%(name)s (valid %(days)s day)", "%(name)s (valid %(days)s days)", obj.validity_days) % {
                "name": obj.name,
                "days": obj.validity_days,
            }
        return obj.name


class AwardForm(forms.Form):
    """One award. The achievement list holds only this issuer's achievements that are not archived."""

    # request.POST (a QueryDict) or a dict: both copy, and the copy takes a new idempotency key.
    data: QueryDict | dict[str, Any]

    achievement = AchievementChoiceField(
        queryset=Achievement.objects.none(),
        label=_("Achievement"),
        empty_label=_("Choose an achievement"),
        error_messages={
            "required": _("Choose the achievement to award."),
            "invalid_choice": _("Choose one of this issuer's current achievements."),
        },
    )
    email = forms.EmailField(
        label=_("Recipient e-mail"),
        max_length=254,
        error_messages={
            "required": _("Enter the learner's e-mail address."),
            "invalid": _("Enter a valid e-mail address, like name@example.org."),
        },
        help_text=_(
            "The learner is e-mailed a link to the credential. The address is never published: "
            "the credential holds only a salted hash of it."
        ),
    )
    name = forms.CharField(
        label=_("Recipient name"),
        required=False,
        max_length=200,
        help_text=_("Optional. Shown in the credential and on its public page."),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the languages listed.")},
        help_text=_(
            "The language the learner reads. A language the learner chose on this platform comes first; the "
            "credential is the same in every language."
        ),
    )
    evidence_url = forms.URLField(
        label=_("Evidence URL"),
        required=False,
        assume_scheme="https",
        max_length=2000,
        error_messages={"invalid": _("Enter a full web address, like https://example.org/portfolio.")},
        help_text=_("Optional. A public page showing the learner's work."),
    )
    evidence_narrative = forms.CharField(
        label=_("Evidence narrative"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. What the learner did to earn it."),
    )
    evidence_name = forms.CharField(
        label=_("Evidence title"),
        required=False,
        max_length=200,
        help_text=_("Optional. The work's title, like “Final project”."),
    )
    evidence_description = forms.CharField(
        label=_("Evidence description"),
        required=False,
        max_length=2000,
        help_text=_("Optional. What the work is."),
    )
    evidence_genre = forms.CharField(
        label=_("Evidence kind"),
        required=False,
        max_length=200,
        help_text=_("Optional. Such as Project, Essay or Portfolio."),
    )
    narrative = forms.CharField(
        label=_("Narrative of this award"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. What this learner did, in their credential; Markdown."),
    )
    awarded_date = forms.DateTimeField(
        label=_("Awarded on"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": DATETIME_INVALID},
        help_text=_("Optional, in UTC. When it was awarded, if not now; never in the future."),
    )
    activity_start_date = forms.DateTimeField(
        label=_("Activity began"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": DATETIME_INVALID},
        help_text=_("Optional, in UTC. When the course or activity began."),
    )
    activity_end_date = forms.DateTimeField(
        label=_("Activity ended"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": DATETIME_INVALID},
        help_text=_("Optional, in UTC. When it ended."),
    )
    valid_from = forms.DateTimeField(
        label=_("Valid from"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": _("Enter a date and time, like 2030-01-31 09:00.")},
        help_text=_("Optional, in UTC. Empty: from now."),
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        widget=_DateTimeInput(),
        error_messages={"invalid": _("Enter a date and time, like 2030-01-31 09:00.")},
        help_text=_("Optional, in UTC. Empty: the achievement's default validity, or no expiry if it has none."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=FORMAT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a format."), "invalid_choice": _("Choose one of the formats listed.")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    # The achievement whose result inputs the page drew: a submission for another one draws its inputs first.
    results_for = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)

    # CredentialError.field -> the form field where the message belongs (None: above the form).
    SERVICE_FIELDS: dict[str, str | None] = {
        "achievement": "achievement",
        "email": "email",
        "name": "name",
        "valid_from": "valid_from",
        "valid_until": "valid_until",
        "format": "format",
        "evidence": "evidence_url",
        "language": "language",
        "narrative": "narrative",
        "awarded_date": "awarded_date",
        "activity_start_date": "activity_start_date",
        "activity_end_date": "activity_end_date",
    }

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issuer = issuer
        cast(forms.ModelChoiceField, self.fields["achievement"]).queryset = Achievement.objects.filter(
            issuer=issuer, archived=False
        )
        self.fields["format"].initial = "both" if issuer.issue_jwt_by_default else "ldp"
        default = dict(language_choices()).get(issuer.language or settings.LANGUAGE_CODE, "")
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", gettext("The issuer's default (%(language)s)") % {"language": default}),
            *language_choices(),
        ]
        self.chosen = self._chosen_achievement()
        self.result_fields = self._add_result_fields(self.chosen)
        if not self.is_bound:
            self.initial["results_for"] = str(self.chosen.pk) if self.chosen else ""
        if not self.is_bound:
            self.fields["idempotency_key"].initial = new_idempotency_key()
        elif not self.data.get("idempotency_key"):
            # A submission without a key still gets one, so that its re-rendered form is protected too.
            self.data = self.data.copy()
            self.data["idempotency_key"] = new_idempotency_key()

    def _chosen_achievement(self) -> Achievement | None:
        """The achievement the form is for: the one submitted, else the one preselected."""
        ref = self.data.get("achievement") if self.is_bound else self.initial.get("achievement")
        if not str(ref or "").isdigit():
            return None
        return Achievement.objects.filter(issuer=self.issuer, archived=False, pk=int(str(ref))).first()

    def _add_result_fields(self, achievement: Achievement | None) -> list[tuple[str, dict[str, Any]]]:
        """One field per result description of the achievement: a list of its allowed values or of the statuses, a
        number within its bounds, or text. Each is optional; named `result_<position>`."""
        if achievement is None:
            return []
        added = []
        for position, description in enumerate(award_results.described(achievement)):
            name = f"{RESULT_PREFIX}{position}"
            self.fields[name] = _result_field(description)
            added.append((name, description))
        return added

    def results_unseen(self) -> bool:
        """Whether the achievement submitted has results the page did not draw inputs for (it was chosen on the
        page, without JavaScript): the form is drawn again with them rather than awarding without them. A
        submission that does not say which inputs it drew (a script posting the form) is taken as it is."""
        drawn = self.data.get("results_for")
        return bool(self.result_fields) and drawn is not None and drawn != str(self.chosen.pk if self.chosen else "")

    def result_inputs(self) -> list[forms.BoundField]:
        return [self[name] for name, _description in self.result_fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        awarded = cleaned.get("awarded_date")
        if awarded is not None and awarded > timezone.now():
            self.add_error("awarded_date", gettext("This date is in the future: give the day it was awarded."))
        start, end = cleaned.get("activity_start_date"), cleaned.get("activity_end_date")
        if start is not None and end is not None and end < start:
            self.add_error("activity_end_date", gettext("The activity cannot end before it began."))
        valid_from: datetime | None = cleaned.get("valid_from")
        valid_until: datetime | None = cleaned.get("valid_until")
        if valid_until is not None:
            if valid_from is not None and valid_until <= valid_from:
                self.add_error("valid_until", gettext("Valid until must be later than valid from."))
            elif valid_until <= timezone.now():
                self.add_error("valid_until", gettext("This date has passed: the credential would be expired at once."))
        return cleaned

    def award_request(self) -> AwardRequest:
        data = self.cleaned_data
        evidence: list[dict[str, Any]] = []
        item = {
            "id": data["evidence_url"],
            "narrative": data["evidence_narrative"].strip(),
            "name": data["evidence_name"].strip(),
            "description": data["evidence_description"].strip(),
            "genre": data["evidence_genre"].strip(),
        }
        if any(item.values()):
            evidence.append({key: value for key, value in item.items() if value})
        results = []
        for position, (name, description) in enumerate(self.result_fields):
            value = (data.get(name) or "").strip()
            if value:
                member = "status" if description["resultType"] == "Status" else "value"
                results.append({"result_description": position, member: value})
        return AwardRequest(
            achievement=data["achievement"],
            email=data["email"],
            name=data["name"],
            evidence=evidence,
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            format=data["format"],
            idempotency_key=data["idempotency_key"] or None,
            language=data.get("language") or "",
            results=results,
            awarded_date=data["awarded_date"],
            activity_start_date=data["activity_start_date"],
            activity_end_date=data["activity_end_date"],
            narrative=data["narrative"].strip(),
        )

    def add_service_error(self, error: CredentialError) -> None:
        """Show a refusal of the service next to the input it concerns."""
        field = self.SERVICE_FIELDS.get(error.field or "")
        if error.field and error.field.startswith("results["):
            # results[<position>].<member>: the form names its result fields by the description's position.
            position = error.field[len("results[") :].split("]")[0]
            field = f"{RESULT_PREFIX}{position}" if f"{RESULT_PREFIX}{position}" in self.fields else None
        if error.field == "idempotency_key":
            # The form was already used for a different award (e.g. resubmitted after going back and
            # changing it): nothing was issued now; a fresh key lets the user submit the new award.
            data = self.data.copy()
            data["idempotency_key"] = new_idempotency_key()
            self.data = data
            self.add_error(
                None,
                gettext(
                    "This form was already used to award a credential, so nothing was issued now. "
                    "Check the values below and submit again to make a new award."
                ),
            )
            return
        self.add_error(field, error.message)


def _result_field(description: dict[str, Any]) -> forms.Field:
    """The input for one result description; its name is the issuer's own words, shown as data."""
    label = description["name"]
    low, high = description.get("valueMin"), description.get("valueMax")
    if description["resultType"] == "Status":
        choices = [
            ("", gettext("Not given")),
            *((s, award_results.STATUS_LABELS[s]) for s in award_results.RESULT_STATUSES),
        ]
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=choices,
            help_text=_("Optional. The learner's status."),
            error_messages={"invalid_choice": _("Choose one of the statuses listed.")},
        )
    if description.get("allowedValue"):
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", gettext("Not given")), *((v, v) for v in description["allowedValue"])],
            help_text=_("Optional. One of the values the achievement allows."),
            error_messages={"invalid_choice": _("Choose one of the values listed.")},
        )
    if description["resultType"] in award_results.NUMERIC_TYPES or low or high:
        attrs: dict[str, Any] = {"step": "any", "inputmode": "decimal"}
        if low:
            attrs["min"] = low
        if high:
            attrs["max"] = high
        if low and high:
            help_text = gettext("Optional. A number from %(min)s to %(max)s.") % {"min": low, "max": high}
        elif low:
            help_text = gettext("Optional. A number, at least %(min)s.") % {"min": low}
        elif high:
            help_text = gettext("Optional. A number, at most %(max)s.") % {"max": high}
        else:
            help_text = gettext("Optional. A number.")
        return forms.CharField(
            label=label,
            required=False,
            max_length=award_results.MAX_VALUE_LENGTH,
            widget=forms.NumberInput(attrs=attrs),
            help_text=help_text,
        )
    return forms.CharField(
        label=label,
        required=False,
        max_length=award_results.MAX_VALUE_LENGTH,
        help_text=_("Optional. The learner's result."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REASON_FOR_REVOKING},
        help_text=_("Required. Kept with the credential and in the audit trail; not shown on the public page."),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_FOR_REVOKING)
        return reason


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Kept with the credential and in the audit trail; not shown on the public page."),
    )


class BulkSelectionForm(forms.Form):
    """The credentials ticked in the list (by UUID), limited to this issuer's."""

    MAX_SELECTED = 200

    selected = forms.ModelMultipleChoiceField(
        queryset=Credential.objects.none(),
        to_field_name="uuid",
        error_messages={
            "required": _("Select at least one award to revoke."),
            "invalid_choice": _("One of the selected awards does not exist here."),
            "invalid_pk_value": _("One of the selected awards does not exist here."),
        },
    )

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["selected"]).queryset = Credential.objects.filter(
            issuer=issuer
        ).select_related("achievement")

    def clean_selected(self) -> QuerySet[Credential]:
        selected = self.cleaned_data["selected"]
        if len(selected) > self.MAX_SELECTED:
            raise forms.ValidationError(
                gettext("Select at most %(max)s awards at a time.") % {"max": self.MAX_SELECTED}
            )
        return selected


class BulkRevokeForm(BulkSelectionForm, RevokeForm):
    """The confirmation of a bulk revocation: the selection again, with one reason for all."""
