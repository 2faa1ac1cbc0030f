"""Bulk jobs and their rows. The tables keep the names they had when they belonged to `badges` (db_table)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from badges.models import Achievement, Credential
from issuer.models import Issuer


class BulkJobStatus(models.TextChoices):
    VALIDATED = "validated", pgettext_lazy("bulk job status", "Validated")
    QUEUED = "queued", pgettext_lazy("bulk job status", "Queued")
    RUNNING = "running", pgettext_lazy("bulk job status", "Running")
    PAUSED = "paused", pgettext_lazy("bulk job status", "Paused")
    CANCELLED = "cancelled", pgettext_lazy("bulk job status", "Cancelled")
    FINISHED = "finished", pgettext_lazy("bulk job status", "Finished")
    FAILED = "failed", pgettext_lazy("bulk job status", "Failed")


class BulkRowStatus(models.TextChoices):
    # Refused by validation; kept so that the preview and the result list every line.
    INVALID = "invalid", pgettext_lazy("bulk row status", "Invalid")
    PENDING = "pending", pgettext_lazy("bulk row status", "Pending")
    ISSUED = "issued", pgettext_lazy("bulk row status", "Issued")
    SKIPPED = "skipped", pgettext_lazy("bulk row status", "Skipped")
    FAILED = "failed", pgettext_lazy("bulk row status", "Failed")


class BulkUpload(models.Model):
    """A file of awards as it was uploaded on the issuer's pages, kept so that nobody has to choose it again: an
    upload page that comes back with an error shows it (its name and rows) instead of an empty file input, and a
    preview can be checked again with another achievement. Forgotten once its job starts, or a day after the upload
    (bulk.jobs._forget_uploads)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    file = models.FileField(upload_to="bulk/uploads/")
    rows = models.PositiveIntegerField(default=0, help_text="Rows read from the file, its header not counted.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or 'upload'} ({self.rows} rows)"


class BulkJob(models.Model):
    """One uploaded file of awards: its valid rows are stored as BulkRow and issued in chunks (bulk.jobs)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="bulk_jobs")
    # Null when every row names its own achievement.
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=BulkJobStatus.choices, default=BulkJobStatus.VALIDATED)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0, help_text="Rows issued, or found already issued.")
    failed_rows = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Rate and time left are measured from the last start or resume, not across a pause.
    run_started_at = models.DateTimeField(null=True, blank=True)
    run_started_rows = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last chunk committed.")
    result_file = models.FileField(upload_to="bulk/", blank=True)
    uploader_notified_at = models.DateTimeField(null=True, blank=True)
    undo_requested_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.CharField(max_length=500, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    revoked_rows = models.PositiveIntegerField(default=0, help_text="Credentials revoked by the undo.")
    # The kept file a preview was checked from (issuer pages only), while it is kept.
    upload = models.ForeignKey(BulkUpload, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs")

    class Meta:
        db_table = "badges_bulkjob"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_name or 'bulk job'} ({self.status})"


class BulkRow(models.Model):
    """One row of a bulk job's file, and what became of it. Invalid rows keep their line and reasons only."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    achievement = models.ForeignKey(Achievement, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True, default="")  # of the award e-mail (D52)
    # D65: what the award signs besides, as the file gave it (results name their description by id).
    results = models.JSONField(default=list, blank=True)
    awarded_date = models.DateTimeField(null=True, blank=True)
    activity_start_date = models.DateTimeField(null=True, blank=True)
    activity_end_date = models.DateTimeField(null=True, blank=True)
    narrative = models.TextField(blank=True, default="")
    idempotency_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=BulkRowStatus.choices, default=BulkRowStatus.PENDING)
    credential = models.ForeignKey(Credential, on_delete=models.SET_NULL, related_name="+", null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "badges_bulkrow"
        ordering = ["id"]
        # Chunks claim a job's pending rows in id order: the index serves the filter and the order together.
        indexes = [models.Index(fields=["job", "status", "id"], name="bulkrow_job_status_id")]

    def __str__(self) -> str:
        return f"line {self.line}: {self.email} ({self.status})"
