"""Reads of bulk jobs: a kept upload, and, for other apps' pages, how the audit log names a job and finds it by its
file's name."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from bulk.models import BulkJob, BulkUpload
from issuer.extensions import AuditSubjects, audit_ids, audit_names, audit_subject_of
from issuer.models import Issuer


def bulk_upload_for(*, issuer: Issuer, ref: uuid.UUID | str | None) -> BulkUpload | None:
    """The issuer's kept upload `ref` (a UUID), if it is still kept: never another issuer's."""
    try:
        key = ref if isinstance(ref, uuid.UUID) else uuid.UUID(str(ref))
    except ValueError:
        return None
    upload = BulkUpload.objects.filter(issuer=issuer, uuid=key).first()
    if upload is None or not upload.file or not upload.file.storage.exists(upload.file.name):
        return None
    return upload


def _job_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    return audit_names(
        BulkJob.objects.filter(issuer=issuer).only("source_name"), ids, lambda j: {"file": j.source_name}
    )


def _job_audit_search(issuer: Issuer, text: str) -> QuerySet[BulkJob]:
    return audit_ids(BulkJob.objects.filter(issuer=issuer, source_name__icontains=text))


AUDIT_SUBJECTS = AuditSubjects(audit_subject_of(BulkJob), _job_audit_names, _job_audit_search)
