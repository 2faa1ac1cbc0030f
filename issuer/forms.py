"""Forms of the issuer settings pages: they check input and say what is wrong; services make the changes."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from issuer.branding import brand_color_validator
from issuer.images import IMAGE_ACCEPT, IMAGE_HELP, ImageError, check_image
from issuer.models import (
    IDENTIFIER_EXTENSION,
    IDENTIFIER_TYPES,
    Issuer,
    KeyAlgorithm,
    KeyPurpose,
    Role,
    clean_reminder_days,
)
from issuer.selectors import SYSTEM_ACTOR, AuditFilters
from issuer.services import PROFILE_PLAIN_FIELDS

# Form field names that are also Issuer fields, in the order the page shows them.
PROFILE_FORM_FIELDS = PROFILE_PLAIN_FIELDS
ADDRESS_FIELDS = PROFILE_FORM_FIELDS[6:12]
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
StrOrPromise = str | Promise  # a label translated when it is shown


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=200, label=_("Name"), help_text=_("As it appears on every credential."))
    description = forms.CharField(required=False, label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    url = forms.URLField(
        required=False, label=_("Website"), assume_scheme="https", help_text=_("The issuer's public website.")
    )
    email = forms.EmailField(
        required=False,
        label=_("Contact e-mail"),
        help_text=_("Public: shown in credentials and on the issuer page."),
    )
    phone = forms.CharField(
        required=False, max_length=40, label=_("Phone"), widget=forms.TextInput(attrs={"type": "tel"})
    )
    official = forms.CharField(
        required=False,
        max_length=200,
        label=_("Authorising official"),
        help_text=_("Name of the official, if any."),
    )
    street_address = forms.CharField(required=False, max_length=200, label=_("Street address"))
    address_locality = forms.CharField(required=False, max_length=100, label=_("City or locality"))
    address_region = forms.CharField(required=False, max_length=100, label=_("Region or state"))
    postal_code = forms.CharField(required=False, max_length=20, label=_("Postal code"))
    address_country = forms.CharField(required=False, max_length=100, label=_("Country"))
    address_country_code = forms.CharField(
        required=False,
        max_length=2,
        label=_("Country code"),
        help_text=_("Two letters (ISO 3166-1), for example GB or DE."),
    )
    issue_jwt_by_default = forms.BooleanField(
        required=False,
        label=_("Also issue every award as a VC-JWT"),
        help_text=_("Unless an award asks for a format, it is then issued in both formats."),
    )
    embed_images = forms.BooleanField(
        required=False,
        label=_("Put the images into new credentials"),
        help_text=_(
            "The logo and the badge image travel inside each credential (as data: URIs) instead of as links to "
            "this site, so they show even where this site cannot be reached. Images up to 256 KB are embedded; "
            "larger ones stay links. Credentials already issued keep what they were signed with."
        ),
    )
    brand_color = forms.CharField(
        required=False,
        max_length=7,
        label=_("Brand colour"),
        help_text=_(
            "The colour of your public pages (the band above your profile and the line under the site's header), "
            "as # and six hexadecimal digits, for example #7a1f5c. Empty: the platform's blue. Text on it is white "
            "or black, whichever reads better; links and buttons use it only if it is dark enough to read on white."
        ),
        widget=forms.TextInput(attrs={"placeholder": "#0b57d0", "autocomplete": "off", "spellcheck": "false"}),
    )
    language = forms.ChoiceField(
        required=False,
        label=_("Language of e-mails"),
        help_text=_(
            "Award e-mails and reminders to learners who chose no language on this platform, and the copies sent to "
            "your contact address, are written in it. Credentials are the same in every language."
        ),
    )
    expiry_reminder_days = forms.CharField(
        required=False,
        max_length=40,
        label=_("Remind learners before a credential expires"),
        help_text=_(
            "Days before expiry, separated by commas, for example 30, 7. Each learner is reminded once per number. "
            "Empty: no reminders."
        ),
    )
    expiry_reminder_copy = forms.BooleanField(
        required=False,
        label=_("Send a copy of each reminder run to the contact e-mail"),
        help_text=_("A list of the learners reminded, one e-mail per run."),
    )
    image = forms.FileField(
        required=False,
        label=_("Logo"),
        help_text=IMAGE_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", gettext("The site's default (%(language)s)") % {"language": default}),
            *settings.LANGUAGES,
        ]

    @classmethod
    def initial_for(cls, issuer: Issuer) -> dict[str, Any]:
        initial = {name: getattr(issuer, name) for name in (*PROFILE_FORM_FIELDS, "image")}
        initial["expiry_reminder_days"] = ", ".join(str(days) for days in issuer.expiry_reminder_days or [])
        return initial

    def clean_expiry_reminder_days(self) -> list[int]:
        try:
            return clean_reminder_days(self.cleaned_data["expiry_reminder_days"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def clean_address_country_code(self) -> str:
        value = self.cleaned_data["address_country_code"].strip().upper()
        if value and not COUNTRY_CODE.fullmatch(value):
            raise ValidationError(gettext("Enter the two-letter country code, for example GB or DE."))
        return value

    def clean_brand_color(self) -> str:
        value: str = self.cleaned_data["brand_color"].strip().lower()
        if value:
            brand_color_validator(value)
        return value

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload (not the stored file, not "clear")
            try:
                check_image(image, size=image.size)
            except ImageError as exc:
                raise ValidationError(exc.messages) from exc
        return image


class IdentifierForm(forms.Form):
    """One OB 3.0 IdentifierEntry; a row left empty is ignored."""

    identifier = forms.CharField(required=False, max_length=200, label=_("Identifier"))
    identifier_type = forms.CharField(
        required=False,
        max_length=60,
        label=_("Type"),
        widget=forms.TextInput(attrs={"list": "identifier-types", "autocomplete": "off"}),
    )

    def clean_identifier_type(self) -> str:
        value = self.cleaned_data["identifier_type"].strip()
        if value and value not in IDENTIFIER_TYPES:
            try:
                IDENTIFIER_EXTENSION(value)
            except ValidationError as exc:
                raise ValidationError(
                    gettext(
                        "“%(value)s” is not an identifier type. Pick one from the list, or write a custom type as "
                        "ext:YourType."
                    )
                    % {"value": value}
                ) from exc
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        identifier = (cleaned.get("identifier") or "").strip()
        identifier_type = cleaned.get("identifier_type") or ""
        if identifier and not identifier_type and "identifier_type" not in self.errors:
            self.add_error("identifier_type", gettext("Choose the type of this identifier."))
        if identifier_type and not identifier:
            self.add_error("identifier", gettext("Enter the identifier, or clear its type to drop the row."))
        return cleaned


class BaseIdentifierFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = gettext("Remove this identifier")

    def entries(self) -> list[dict[str, str]]:
        """The rows kept, as stored on the issuer (`identifier`, `identifierType`)."""
        return [
            {
                "identifier": form.cleaned_data["identifier"].strip(),
                "identifierType": form.cleaned_data["identifier_type"],
            }
            for form in self.forms
            if form.cleaned_data.get("identifier") and not form.cleaned_data.get("DELETE")
        ]


# formset_factory makes a subclass of `formset`; the cast keeps its type (and `entries`) for the checker.
IdentifierFormSet = cast(
    type[BaseIdentifierFormSet],
    forms.formset_factory(
        IdentifierForm, formset=BaseIdentifierFormSet, extra=2, can_delete=True, max_num=50, validate_max=True
    ),
)


def identifier_initial(issuer: Issuer) -> list[dict[str, str]]:
    return [
        {"identifier": entry.get("identifier", ""), "identifier_type": entry.get("identifierType", "")}
        for entry in issuer.other_identifiers or []
    ]


class RotateKeyForm(forms.Form):
    purpose = forms.ChoiceField(choices=KeyPurpose.choices, initial=KeyPurpose.DATA_INTEGRITY, label=_("Purpose"))
    algorithm = forms.ChoiceField(
        choices=KeyAlgorithm.choices,
        initial=KeyAlgorithm.ED25519,
        label=_("Algorithm"),
        help_text=_("Data Integrity keys are always Ed25519. VC-JWT keys may be Ed25519, P-256 or RSA."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("purpose") == KeyPurpose.DATA_INTEGRITY and cleaned.get("algorithm", KeyAlgorithm.ED25519) != (
            KeyAlgorithm.ED25519
        ):
            self.add_error(
                "algorithm", gettext("Data Integrity keys must be Ed25519 (eddsa-rdfc-2022); choose Ed25519.")
            )
        return cleaned


class CompromiseKeyForm(forms.Form):
    confirm_key_id = forms.CharField(max_length=64, label=_("Type the key id to confirm"))
    reason = forms.CharField(
        max_length=500,
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened. Kept in the audit log."),
    )

    def __init__(self, *args: Any, key_id: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_id = key_id
        self.fields["confirm_key_id"].help_text = gettext("Type %(key_id)s exactly.") % {"key_id": key_id}
        self.fields["confirm_key_id"].widget.attrs.update(autocomplete="off", spellcheck="false")

    def clean_confirm_key_id(self) -> str:
        value = self.cleaned_data["confirm_key_id"].strip()
        if value != self.key_id:
            raise ValidationError(
                gettext("This is not the key id. Type %(key_id)s exactly to confirm.") % {"key_id": self.key_id}
            )
        return value

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError(gettext("Say why the key is compromised."))
        return value


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER, label=_("Role"))


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))


class NewAccountForm(UserCreationForm):
    """An invitee without an account chooses a username and a password; the e-mail is the invited one."""

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # Django's stubs do not declare this Meta
        fields = ("username",)


# The audit log's kinds: a family of actions (ending in a dot) or one action; grouped as the select shows them.
AUDIT_KINDS: list[tuple[StrOrPromise, list[tuple[str, StrOrPromise]]]] = [
    (
        _("Credentials"),
        [
            ("credential.", _("Every credential change")),
            ("credential.issued", pgettext_lazy("audit kind", "Awarded")),
            ("credential.revoked", pgettext_lazy("audit kind", "Revoked")),
            ("credential.suspended", pgettext_lazy("audit kind", "Suspended")),
            ("credential.unsuspended", pgettext_lazy("audit kind", "Reinstated")),
            ("credential.renewed", pgettext_lazy("audit kind", "Renewed")),
            ("credential.corrected", pgettext_lazy("audit kind", "Corrected")),
            ("credential.resent", _("Award e-mails sent again")),
            ("credential.email_failed", _("Award e-mails that failed")),
            ("credential.added_to_wallet", _("Added to learners' wallets")),
        ],
    ),
    (
        _("Bulk awards"),
        [
            ("bulk.", _("Every bulk job change")),
            ("bulk.created", pgettext_lazy("audit kind", "Uploaded")),
            ("bulk.finished", pgettext_lazy("audit kind", "Finished")),
            ("bulk.undone", pgettext_lazy("audit kind", "Undone")),
        ],
    ),
    (
        _("Achievements and qualifications"),
        [("achievement.", _("Achievements")), ("qualification.", _("Qualification rules"))],
    ),
    (
        _("Access"),
        [
            ("staff.", _("Staff")),
            ("key.", _("Signing keys")),
            ("api_token.", _("API tokens")),
            ("webhook.", _("Webhooks")),
        ],
    ),
    (_("This issuer"), [("issuer.", _("Issuer profile")), ("partnership.", _("Partnerships"))]),
]
DATE_ERRORS = {"invalid": _("Enter a date, like 2030-01-31.")}


class AuditFilterForm(forms.Form):
    """The audit log's filters, read from the query string. Each is checked on its own: the page applies the valid
    ones and says what is wrong with the others."""

    action = forms.ChoiceField(
        required=False,
        label=_("Kind"),
        choices=[("", _("Everything")), *AUDIT_KINDS],
        error_messages={"invalid_choice": _("Choose a kind from the list.")},
    )
    actor = forms.ChoiceField(
        required=False, label=_("Who"), error_messages={"invalid_choice": _("Choose someone from the list.")}
    )
    since = forms.DateField(
        required=False,
        label=pgettext_lazy("start of a period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    until = forms.DateField(
        required=False,
        label=pgettext_lazy("end of a period", "To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=DATE_ERRORS,
    )
    q = forms.CharField(
        required=False,
        label=_("Recipient or achievement"),
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={"max_length": _("Search for at most %(limit_value)d characters.")},
        help_text=_("Part of a learner's name or e-mail address, an achievement's name, or a bulk file's name."),
    )

    def __init__(self, *args: Any, actors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["actor"]).choices = [
            ("", gettext("Anyone")),
            *actors,
            (SYSTEM_ACTOR, gettext("The platform (no person)")),
        ]

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", gettext("The end date is before the start date."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters that are valid (call after is_valid())."""
        data = self.cleaned_data
        return AuditFilters(
            kind=data.get("action") or "",
            actor=data.get("actor") or "",
            since=data.get("since"),
            until=data.get("until"),
            text=data.get("q") or "",
        )
