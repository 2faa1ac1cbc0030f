"""Forms of the issuer's bulk-award pages: the upload, and the confirmation of an undo."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from badges.models import Achievement
from bulk.models import BulkUpload
from bulk.parsing import MAX_BYTES, too_large
from bulk.selectors import bulk_upload_for
from issuer.models import Issuer


def _file_help() -> str:
    return gettext("CSV (comma, semicolon or tab separated) or JSON lines; at most %(size)s MB.") % {
        "size": MAX_BYTES // (1024 * 1024)
    }


# Worded when a page shows it, in its reader's language: a message with a figure cannot be translated at import.
FILE_HELP = lazy(_file_help, str)()
UNDO_REASON_REQUIRED = _("Give a reason for the undo: it is kept with every revoked credential.")


class BulkUploadForm(forms.Form):
    """A CSV or JSON-lines file of awards, and the achievement to award when the rows do not name one. A file
    uploaded before and kept (`upload`, its UUID) stands in for the file input left empty."""

    file = forms.FileField(
        label=_("File of awards"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.jsonl,.ndjson,.json"}),
        error_messages={
            "required": _("Choose the file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("Choose the file to upload."),
        },
        help_text=FILE_HELP,
    )
    upload = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    achievement = forms.ModelChoiceField(
        label=_("Achievement"),
        required=False,
        queryset=Achievement.objects.none(),
        empty_label=_("Named in each row"),
        error_messages={"invalid_choice": _("Choose one of this issuer's current achievements.")},
        help_text=_("Leave empty when each row names its achievement (the achievement column)."),
    )

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issuer = issuer
        self.kept: BulkUpload | None = None
        cast(forms.ModelChoiceField, self.fields["achievement"]).queryset = Achievement.objects.filter(
            issuer=issuer, archived=False
        ).order_by("name")

    def show_kept(self, upload: BulkUpload | None) -> None:
        """Offer `upload` as the file: the file input becomes the way to choose another one."""
        self.kept = upload
        if upload is not None:
            label = gettext("Choose another file")
            if upload.name:
                help_text = gettext("Optional: leave it empty to use %(name)s.") % {"name": upload.name}
            else:
                help_text = gettext("Optional: leave it empty to use the file above.")
            self.fields["file"].label, self.fields["file"].help_text = label, help_text
            bound = self["file"]  # made (and kept) when the form was validated, with the label it had then
            bound.label, bound.help_text = label, help_text

    def clean_upload(self) -> BulkUpload | None:
        # Another issuer's or a forgotten upload is as absent as none: the file input then asks for the file.
        return bulk_upload_for(issuer=self.issuer, ref=self.cleaned_data.get("upload"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("file") and not cleaned.get("upload") and "file" not in self.errors:
            self.add_error("file", self.fields["file"].error_messages["required"])
        return cleaned

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        # The size Django recorded while receiving it (to a temporary file), checked before the content is read.
        if upload is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(too_large())
        return upload


class BulkUndoForm(forms.Form):
    """Undo a bulk job: a reason for the audit trail, and an explicit acknowledgement of how many are revoked."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": UNDO_REASON_REQUIRED},
        help_text=_("Required. Kept with each revoked credential and in the audit trail; not shown publicly."),
    )
    confirm = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm that these credentials are revoked for good.")},
    )

    def __init__(self, *args: Any, count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = ngettext(
            "I understand this revokes %(count)s credential", "I understand this revokes %(count)s credentials", count
        ) % {"count": count}

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(UNDO_REASON_REQUIRED)
        return reason
