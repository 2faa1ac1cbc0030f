"""Forms of the issuer's bulk-award pages: the upload, and the confirmation of an undo."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.template.defaultfilters import pluralize

from badges.models import Achievement
from bulk.models import BulkUpload
from bulk.parsing import MAX_BYTES
from bulk.selectors import bulk_upload_for
from issuer.models import Issuer

TOO_LARGE = f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files."


class BulkUploadForm(forms.Form):
    """A CSV or JSON-lines file of awards, and the achievement to award when the rows do not name one. A file
    uploaded before and kept (`upload`, its UUID) stands in for the file input left empty."""

    file = forms.FileField(
        label="File of awards",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.jsonl,.ndjson,.json"}),
        error_messages={
            "required": "Choose the file to upload.",
            "empty": "The file is empty.",
            "invalid": "Choose the file to upload.",
        },
        help_text=f"CSV (comma, semicolon or tab separated) or JSON lines; at most {MAX_BYTES // (1024 * 1024)} MB.",
    )
    upload = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    achievement = forms.ModelChoiceField(
        label="Achievement",
        required=False,
        queryset=Achievement.objects.none(),
        empty_label="Named in each row",
        error_messages={"invalid_choice": "Choose one of this issuer's current achievements."},
        help_text="Leave empty when each row names its achievement (the achievement column).",
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
            label, help_text = (
                "Choose another file",
                f"Optional: leave it empty to use {upload.name or 'the file above'}.",
            )
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
            raise forms.ValidationError(TOO_LARGE)
        return upload


class BulkUndoForm(forms.Form):
    """Undo a bulk job: a reason for the audit trail, and an explicit acknowledgement of how many are revoked."""

    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason for the undo: it is kept with every revoked credential."},
        help_text="Required. Kept with each revoked credential and in the audit trail; not shown publicly.",
    )
    confirm = forms.BooleanField(
        error_messages={"required": "Tick the box to confirm that these credentials are revoked for good."},
    )

    def __init__(self, *args: Any, count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = f"I understand this revokes {count} credential{pluralize(count)}"

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for the undo: it is kept with every revoked credential.")
        return reason
