"""Input and output shapes of the API, one pair per endpoint family."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bulk.jobs import bulk_job_progress
from bulk.models import BulkJob, BulkRow, BulkRowStatus
from bulk.parsing import COLUMNS, MAX_ROWS, RESULT_COLUMN_PREFIX


class ProblemSerializer(serializers.Serializer):
    """The error body of every endpoint (application/problem+json)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    # The problem+json member `errors`. DRF's metaclass moves declared fields off the class, so this does not
    # replace Serializer.errors at run time; the type checker sees only the class attribute.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors only: messages per field (nested fields like rows[3].email).",
    )


class StrictSerializer(serializers.Serializer):
    """Refuses members it does not know: a misspelt field is an error, not silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


# ----- bulk jobs: input


class BulkRowInputSerializer(StrictSerializer):
    """One award, the columns of a bulk file; each value is checked like a file's (bad values make the row
    invalid, listed under /rows?status=invalid, without refusing the others)."""

    email = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    achievement = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Id, UUID or slug; else the job's achievement."
    )
    evidence_url = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    evidence_narrative = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    valid_until = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="A date or date-time (ISO 8601)."
    )
    external_id = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Your id of the award: never awarded twice."
    )
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The language of the award e-mail (en, de); empty: the issuer's default.",
    )
    result = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The value, level or status of the result, for an achievement with one result description.",
    )
    results = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="For several result descriptions: each one's name or id → its value, level or status (the file's "
        "`result:<name>` columns).",
    )
    awarded_date = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A date or date-time (ISO 8601), not in the future.",
    )
    activity_start_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="A date or date-time (ISO 8601)."
    )
    activity_end_date = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="A date or date-time, not before the start."
    )
    narrative = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="What the learner did (Markdown)."
    )
    evidence_name = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="The title of the evidence."
    )


class BulkJobJsonInputSerializer(StrictSerializer):
    achievement = serializers.CharField(
        required=False, help_text="Id, UUID or slug of the achievement for rows that do not name one."
    )
    rows = serializers.ListField(child=BulkRowInputSerializer(), min_length=1, max_length=MAX_ROWS)
    start = serializers.BooleanField(default=False, help_text="Start issuing at once when a row is valid.")


class BulkJobFileInputSerializer(StrictSerializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text="CSV (comma, semicolon or tab separated) or JSON lines."
    )
    achievement = serializers.CharField(
        required=False, help_text="Id, UUID or slug of the achievement for rows that do not name one."
    )
    start = serializers.BooleanField(default=False, help_text="Start issuing at once when a row is valid.")


def rows_as_jsonl(rows: list[dict[str, Any]]) -> bytes:
    """JSON rows as the JSON-lines file the bulk parser reads: line N is rows[N-1]."""
    lines = [
        json.dumps(
            {column: row[column] for column in COLUMNS if row.get(column) is not None}
            | {f"{RESULT_COLUMN_PREFIX}{ref}": value for ref, value in (row.get("results") or {}).items()},
            ensure_ascii=False,
        )
        for row in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def canonical_content(*, achievement: str | None, start: bool, data: bytes, filename: str = "") -> bytes:
    """What identifies a create request for its idempotency key (api.idempotency.fingerprint)."""
    described = {
        "achievement": achievement,
        "start": start,
        "filename": filename,
        "data": hashlib.sha256(data).hexdigest(),
    }
    return json.dumps(described, sort_keys=True).encode()


class BulkUndoInputSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=500,
        help_text="Why: kept with every revoked credential and in the audit trail.",
        error_messages={
            "required": "Give a reason for the undo: it is kept with every revoked credential.",
            "blank": "Give a reason for the undo: it is kept with every revoked credential.",
        },
    )


# ----- bulk jobs: output


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def job_links(job: BulkJob) -> dict[str, str]:
    args = [job.issuer.slug, job.uuid]
    links = {
        "self": absolute(reverse("api:bulk-job-detail", args=args)),
        "rows": absolute(reverse("api:bulk-job-rows", args=args)),
    }
    if job.result_file:
        links["results"] = absolute(reverse("api:bulk-job-results", args=args))
    return links


class BulkProgressSerializer(serializers.Serializer):
    """The job's figures (the same as the progress bar of the issuer's pages)."""

    status = serializers.CharField()
    status_label = serializers.CharField()
    total = serializers.IntegerField(help_text="Rows in the file.")
    valid = serializers.IntegerField()
    invalid = serializers.IntegerField()
    done = serializers.IntegerField(help_text="Rows issued, or found already issued.")
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    handled = serializers.IntegerField()
    percent = serializers.FloatField()
    rate = serializers.FloatField(allow_null=True, help_text="Rows per second since the last start or resume.")
    eta_seconds = serializers.IntegerField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    result_ready = serializers.BooleanField()
    undo = serializers.ChoiceField(choices=["none", "requested", "done"])
    revoked = serializers.IntegerField(help_text="Credentials revoked by the undo.")
    can_start = serializers.BooleanField()
    can_pause = serializers.BooleanField()
    can_resume = serializers.BooleanField()
    can_cancel = serializers.BooleanField()
    can_undo = serializers.BooleanField()


class AchievementRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    slug = serializers.CharField()
    name = serializers.CharField()


class BulkJobLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    rows = serializers.URLField()
    results = serializers.URLField(required=False, help_text="Present once the result CSV is ready.")


class BulkJobSerializer(serializers.Serializer):
    """A bulk job. `context["labels"]` maps job ids to who created them when that was not a user (a token)."""

    id = serializers.UUIDField(source="uuid")
    status = serializers.CharField()
    file_name = serializers.CharField(source="source_name")
    created_at = serializers.DateTimeField()
    created_by = serializers.SerializerMethodField()
    achievement = AchievementRefSerializer(allow_null=True)
    progress = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="A username, or the API token's label."))
    def get_created_by(self, job: BulkJob) -> str | None:
        label = self.context.get("labels", {}).get(job.pk)
        if label:
            return label
        return job.created_by.get_username() if job.created_by is not None else None

    @extend_schema_field(BulkProgressSerializer)
    def get_progress(self, job: BulkJob) -> dict[str, Any]:
        return bulk_job_progress(job).as_dict()

    @extend_schema_field(BulkJobLinksSerializer)
    def get_links(self, job: BulkJob) -> dict[str, str]:
        return job_links(job)


class BulkRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text="Line in the file (the header is line 1); for JSON rows, N for rows[N-1]."
    )
    status = serializers.ChoiceField(choices=BulkRowStatus.choices)
    email = serializers.CharField()
    error = serializers.CharField(help_text="Why the row is invalid, failed or skipped; empty otherwise.")
    credential = serializers.SerializerMethodField()

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_credential(self, row: BulkRow) -> str | None:
        return absolute(f"/credentials/{row.credential.uuid}") if row.credential is not None else None
