"""What the bulk page tests share: a run fixture with tasks in-process, files, uploads, URLs, messages."""

from __future__ import annotations

import html

from django.core.files.uploadedfile import SimpleUploadedFile

from bulk.jobs import bulk_job_create, bulk_job_start
from bulk.models import BulkJobStatus
from issuer.models import AuditEvent
from tests.actors import owner

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
VIEWERS = {"owner", "editor", "awarder", "viewer"}
AWARDERS = {"owner", "awarder"}
PROGRESS_KEYS = {
    "status",
    "status_label",
    "total",
    "valid",
    "invalid",
    "done",
    "failed",
    "pending",
    "handled",
    "percent",
    "rate",
    "eta_seconds",
    "started_at",
    "finished_at",
    "result_ready",
    "undo",
    "revoked",
    "can_start",
    "can_pause",
    "can_resume",
    "can_cancel",
    "can_undo",
}


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


# Five rows: lines 3 and 5 are invalid.
MIXED = _csv(
    "email,name,external_id",
    "ada@example.org,Ada Lovelace,S-1",
    "not-an-address,Bob,S-2",
    "cy@example.org,Cy Young,S-3",
    ",Dee,S-4",
    "eve@example.org,Eve,S-5",
)


def _create(issuer, achievement, data=MIXED, filename="cohort.csv"):
    job, _ = bulk_job_create(issuer=issuer, data=data, filename=filename, achievement=achievement, actor=owner(issuer))
    return job


def _finished(run, issuer, achievement, data=MIXED):
    job = _create(issuer, achievement, data)
    run(bulk_job_start, job=job, actor=owner(issuer))
    job.refresh_from_db()
    assert job.status == BulkJobStatus.FINISHED
    return job


def _queued(issuer, achievement):
    # Outside `run`, the commit hooks are dropped with the test's transaction: the job stays queued, nothing issued.
    job = _create(issuer, achievement)
    return bulk_job_start(job=job, actor=owner(issuer))


def _upload(client, issuer, data, filename="cohort.csv", achievement=None, **extra):
    form = {"file": SimpleUploadedFile(filename, data, content_type="text/csv")}
    if achievement is not None:
        form["achievement"] = str(achievement.pk)
    return client.post(f"/manage/{issuer.slug}/bulk/new/", form, **extra)


def _url(job, suffix=""):
    return f"/manage/{job.issuer.slug}/bulk/{job.uuid}/{suffix}"


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _bulk_audit() -> list[str]:
    return sorted(AuditEvent.objects.filter(action__startswith="bulk.").values_list("action", flat=True))
